import fc from 'fast-check';
import { renderTemplate } from '../../src/domain/template';

const record = {
  id: 'rec-1',
  stageId: 'qualified',
  properties: { company: 'Acme', amount: 1200, tags: ['a'], empty: null },
};

describe('renderTemplate', () => {
  it('fills record placeholders', () => {
    expect(
      renderTemplate(
        '{{record.properties.company}} ({{ record.id }}) in {{record.stageId}}: {{record.properties.amount}}',
        record,
      ),
    ).toBe('Acme (rec-1) in qualified: 1200');
  });

  it('renders missing and null properties as empty, objects as JSON', () => {
    expect(
      renderTemplate('[{{record.properties.nope}}][{{record.properties.empty}}][{{record.properties.tags}}]', record),
    ).toBe('[][][["a"]]');
  });

  it('reads only the record’s own properties, never what objects inherit', () => {
    const inherited = ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'];
    const text = inherited.map((name) => `[{{record.properties.${name}}}]`).join('');
    expect(renderTemplate(text, record)).toBe('[][][][][]');
    expect(renderTemplate('{{record.properties.constructor}}', { ...record, properties: { constructor: 'own' } })).toBe(
      'own',
    );
  });

  it('leaves text without placeholders unchanged', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !text.includes('{{')),
        (text) => {
          expect(renderTemplate(text, record)).toBe(text);
        },
      ),
    );
  });
});
