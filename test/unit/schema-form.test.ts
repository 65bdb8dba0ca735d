import { type Draft, draftFrom, REQUIRED_MESSAGE, shownPaths, valueFrom } from '../../console/src/schema-form/draft';
import {
  type ActionTypeModel,
  actionTypesOf,
  type FieldModel,
  humanize,
  modelOf,
} from '../../console/src/schema-form/schema';
import { buildOpenApiDocument } from '../../src/api/openapi';
import { ActionInputSchema } from '../../src/domain';

/** The action editor's form model, built from the document the server publishes, and the bodies it sends. */
const types = actionTypesOf(buildOpenApiDocument());
const typeOf = (type: string): ActionTypeModel => {
  const found = types.find((candidate) => candidate.type === type);
  if (!found) throw new Error(`no action type ${type}`);
  return found;
};
const PATH = 'body.action.config';

/** Sets a field of an object draft (or a choice's chosen object alternative) by property names. */
function setField(draft: Draft, names: string[], value: Draft): Draft {
  const [name, ...rest] = names;
  if (name === undefined) return value;
  if (draft.kind === 'choice' && draft.variant !== null) {
    const drafts = [...draft.drafts];
    drafts[draft.variant] = setField(drafts[draft.variant]!, names, value);
    return { ...draft, drafts };
  }
  if (draft.kind !== 'object') throw new Error(`not an object draft at ${name}`);
  return { ...draft, fields: { ...draft.fields, [name]: setField(draft.fields[name]!, rest, value) } };
}
const text = (value: string): Draft => ({ kind: 'text', text: value });

/** The body for a draft, checked by the server's own schema as the API would check it. */
function acceptedConfig(type: string, draft: Draft): unknown {
  const { value, problems } = valueFrom(typeOf(type).config, draft, PATH);
  expect(problems).toEqual([]);
  const parsed = ActionInputSchema.safeParse({ type, config: value });
  expect(parsed.error?.issues).toBeUndefined();
  return value;
}

describe('schema form: the model of each action type', () => {
  it('offers every action type of the registry, delays and branches included, with readable labels', () => {
    expect(types.map((type) => type.type)).toEqual(
      expect.arrayContaining([
        'create_task',
        'send_internal_notification',
        'send_email',
        'set_property',
        'set_stage',
        'webhook',
        'delay',
        'branch_if',
        'branch_value',
        'branch_random',
      ]),
    );
    expect(typeOf('send_internal_notification').label).toBe('Send internal notification');
    expect(humanize('untilDayTime')).toBe('Until day time');
    expect(humanize('customEmailId')).toBe('Custom email ID');
  });

  it('gives create_task a required title, a textarea body and the assignTo description as its hint', () => {
    const config = typeOf('create_task').config;
    if (config.kind !== 'object') throw new Error('create_task config is an object');
    const byName = Object.fromEntries(config.properties.map((property) => [property.name, property]));
    expect(byName.title).toMatchObject({ label: 'Title', required: true, model: { kind: 'text', multiline: false } });
    expect(byName.body).toMatchObject({ required: false, model: { kind: 'text', multiline: true } });
    expect(byName.assignTo?.model.description).toMatch(/owner/);
  });

  it('makes the send_email template one choice: each built-in template, or a custom email by id', () => {
    const config = typeOf('send_email').config;
    if (config.kind !== 'object') throw new Error('send_email config is an object');
    const template = config.properties[0]!.model;
    expect(template.kind === 'choice' && template.variants.map((variant) => variant.label)).toEqual([
      'Ticket received',
      'Ticket closed',
      'Custom email ID',
    ]);
  });

  it('makes the delay a choice of for, until and until day time, with the days as checkboxes', () => {
    const config = typeOf('delay').config;
    if (config.kind !== 'choice') throw new Error('delay config is a choice');
    expect(config.variants.map((variant) => variant.label)).toEqual(['For', 'Until', 'Until day time']);
    const dayTime = config.variants[2]!.model;
    const days = dayTime.kind === 'object' && dayTime.properties[0]!.model;
    const untilDayTime = days && days.kind === 'object' ? days.properties[0]!.model : undefined;
    expect(untilDayTime).toMatchObject({ kind: 'multi', options: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] });
  });

  it('leaves branch lists out of the form and types a recursive JSON value (the webhook body) as JSON', () => {
    const branch = typeOf('branch_if').config;
    if (branch.kind !== 'object') throw new Error('branch_if config is an object');
    expect(branch.properties.filter((property) => property.model.kind === 'actions').map((p) => p.name)).toEqual([
      'then',
      'else',
    ]);
    const webhook = typeOf('webhook').config;
    const body = webhook.kind === 'object' && webhook.properties.find((property) => property.name === 'body');
    expect(body && body.model.kind).toBe('json');
    const headers = webhook.kind === 'object' && webhook.properties.find((property) => property.name === 'headers');
    expect(headers && headers.model).toMatchObject({ kind: 'map', entryLabel: 'Header' });
  });

  it('flattens nested alternatives and offers "not set" only where a field is optional', () => {
    const value: FieldModel = modelOf(
      { anyOf: [{ anyOf: [{ type: 'string' }, { type: 'number' }] }, { type: 'array', items: { type: 'string' } }] },
      {},
    );
    expect(value.kind === 'choice' && value.variants.map((variant) => variant.label)).toEqual([
      'Text',
      'Number',
      'List',
    ]);
    expect(draftFrom(value, undefined, false)).toMatchObject({ kind: 'choice', variant: null });
    expect(draftFrom(value, undefined, true)).toMatchObject({ kind: 'choice', variant: 0 });
  });
});

describe('schema form: the body a draft sends', () => {
  it('sends only what was filled in (create_task: title, dueIn, assignTo)', () => {
    let draft = draftFrom(typeOf('create_task').config, undefined);
    draft = setField(draft, ['title'], text('Call {{record.properties.name}}'));
    draft = setField(draft, ['dueIn'], text('2d'));
    draft = setField(draft, ['assignTo'], text('owner'));
    expect(acceptedConfig('create_task', draft)).toEqual({
      title: 'Call {{record.properties.name}}',
      dueIn: '2d',
      assignTo: 'owner',
    });
  });

  it('refuses to send a required field left empty, naming its API path', () => {
    const draft = draftFrom(typeOf('create_task').config, undefined);
    expect(valueFrom(typeOf('create_task').config, draft, PATH).problems).toEqual([
      { path: 'body.action.config.title', message: REQUIRED_MESSAGE },
    ]);
  });

  it('sends the chosen delay alternative only, with its optional fields left out', () => {
    const model = typeOf('delay').config;
    let draft = draftFrom(model, undefined);
    draft = setField(draft, ['for'], text('3d'));
    if (draft.kind !== 'choice') throw new Error('delay draft is a choice');
    draft = { ...draft, variant: 1 };
    draft = setField(draft, ['until', 'date'], text('2031-05-01T09:00:00Z'));
    expect(acceptedConfig('delay', draft)).toEqual({ until: { date: '2031-05-01T09:00:00Z' } });
  });

  it('sends typed numbers as numbers, and JSON as the value it is', () => {
    const random = typeOf('branch_random').config;
    let draft = draftFrom(random, undefined);
    if (draft.kind !== 'object' || draft.fields.splits?.kind !== 'list') throw new Error('splits are a list');
    expect(draft.fields.splits.items).toHaveLength(2);
    draft = {
      ...draft,
      fields: {
        splits: {
          kind: 'list',
          items: draft.fields.splits.items.map((item, index) =>
            setField(item, ['percent'], text(['30', '70'][index]!)),
          ),
        },
      },
    };
    expect(acceptedConfig('branch_random', draft)).toEqual({
      splits: [
        { percent: 30, actions: [] },
        { percent: 70, actions: [] },
      ],
    });

    let webhook = draftFrom(typeOf('webhook').config, undefined);
    webhook = setField(webhook, ['url'], text('https://example.com/hook'));
    webhook = setField(webhook, ['body'], { kind: 'json', text: '{"id": "{{record.id}}"}' });
    webhook = setField(webhook, ['headers'], {
      kind: 'map',
      entries: [
        { key: 'X-Source', value: text('pipewright') },
        { key: '', value: text('') },
      ],
    });
    expect(acceptedConfig('webhook', webhook)).toEqual({
      url: 'https://example.com/hook',
      method: 'POST',
      headers: { 'X-Source': 'pipewright' },
      body: { id: '{{record.id}}' },
    });
    const broken = setField(webhook, ['body'], { kind: 'json', text: '{nope' });
    expect(valueFrom(typeOf('webhook').config, broken, PATH).problems).toEqual([
      { path: 'body.action.config.body', message: expect.stringMatching(/not valid JSON/) },
    ]);
  });

  it('gives back every stored config of every kind unchanged, nested branch lists included', () => {
    const stored: [string, unknown][] = [
      ['create_task', { title: 'T', body: 'B', dueIn: 'P3D', assignTo: 'user-7' }],
      [
        'send_internal_notification',
        { to: { users: ['a@example.com', 'b@example.com'], owner: true }, subject: 'S', body: 'B' },
      ],
      ['send_email', { template: 'ticket_closed' }],
      ['send_email', { template: { customEmailId: 'welcome' } }],
      ['set_property', { property: 'score', value: 42 }],
      ['set_property', { property: 'vip', value: false }],
      ['set_property', { property: 'note', value: null }],
      ['delay', { untilDayTime: { days: ['mon', 'fri'], time: '09:00', timezone: 'Europe/Paris' } }],
      [
        'branch_if',
        {
          conditions: {
            all: [
              { property: 'tier', operator: 'in', value: ['gold', 'silver'] },
              { property: 'x', operator: 'known' },
            ],
          },
          then: [{ id: 'a1', type: 'set_stage', config: { stageId: 'won' }, comments: [] }],
          else: [],
        },
      ],
      [
        'branch_value',
        {
          property: 'tier',
          cases: [
            { values: ['gold', 3, true], actions: [{ id: 'a2', type: 'delay', config: { for: '1d' }, comments: [] }] },
          ],
          default: [],
        },
      ],
    ];
    for (const [type, config] of stored) {
      const model = typeOf(type).config;
      expect({ type, config: valueFrom(model, draftFrom(model, config), PATH).value }).toEqual({ type, config });
    }
  });

  it('names every field it shows, so the API’s messages for them appear beside them', () => {
    const model = typeOf('send_internal_notification').config;
    const draft = draftFrom(model, { to: { users: ['a@example.com'] }, subject: 'S', body: 'B' });
    expect(shownPaths(model, draft, 'body.config')).toEqual([
      'body.config',
      'body.config.to',
      'body.config.to.users',
      'body.config.to.users[0]',
      'body.config.to.owner',
      'body.config.subject',
      'body.config.body',
    ]);
  });
});
