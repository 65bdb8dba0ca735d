import {
  classifyWebhookStatus,
  isPrivateAddress,
  parseRetryAfter,
  WebhookConfigSchema,
  webhookUrlTemplateProblem,
} from '../../src/domain/webhook';

describe('classifyWebhookStatus', () => {
  it.each([
    [200, 'ok'],
    [201, 'ok'],
    [204, 'ok'],
    [301, 'ok'],
    [304, 'ok'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [599, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [400, 'fail'],
    [401, 'fail'],
    [403, 'fail'],
    [404, 'fail'],
    [409, 'fail'],
    [410, 'fail'],
    [422, 'fail'],
  ])('%i → %s', (status, verdict) => {
    expect(classifyWebhookStatus(status)).toBe(verdict);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2025-03-10T12:00:00.000Z');

  it.each<[string | undefined, number | undefined]>([
    ['7', 7_000],
    ['0', 0],
    [' 120 ', 120_000],
    ['Mon, 10 Mar 2025 12:00:30 GMT', 30_000],
    ['Monday, 10-Mar-25 12:01:00 GMT', 60_000],
    ['Mon Mar 10 12:00:05 2025', 5_000],
    ['Mon, 10 Mar 2025 11:00:00 GMT', 0],
    ['999999999', 24 * 60 * 60 * 1_000],
    ['Fri, 10 Mar 2028 12:00:00 GMT', 24 * 60 * 60 * 1_000],
    [undefined, undefined],
    ['', undefined],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['2025-03-10T12:00:30Z', undefined],
    ['Mon, 99 Foo 2025 nonsense', undefined],
  ])('%j → %j ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });
});

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.1.20',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    '[::1]',
    'fe80::1',
    'fe80::1%eth0',
    'febf::1',
    'fc00::1',
    'fd12:3456:789a::1',
    '::ffff:127.0.0.1',
    '::ffff:10.1.2.3',
    '::ffff:a9fe:a9fe',
    '64:ff9b::c0a8:101',
    '2002:c0a8:101::1',
    'ff02::1',
    'not-an-ip',
    '1.2.3',
    '256.1.1.1',
    '1:2:3:4:5:6:7:8:9',
    // Special-purpose blocks of the IANA registries that are not globally reachable.
    '198.18.0.1',
    '198.19.255.254',
    '192.0.0.1',
    '192.0.0.170',
    '192.0.2.10',
    '198.51.100.7',
    '203.0.113.99',
    '192.88.99.1',
    '240.0.0.1',
    '64:ff9b:1::a00:1',
    '64:ff9b:1:ffff::1',
    '100::1',
    '100:0:0:1::1',
    '2001::1',
    '2001:1ff:ffff::1',
    '2001:db8::1',
    '3fff::1',
    '5f00::1',
    '::8.8.8.8',
    // IPv4 carried in IPv6, checked as the IPv4 address it is.
    '::ffff:198.18.0.1',
    '::ffff:c612:1',
    '::ffff:0:7f00:1',
    '64:ff9b::7f00:1',
    '2002:c612:0001::1',
  ])('%s is private (or not an address)', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.255.0.1',
    '192.169.0.1',
    '11.0.0.1',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '198.17.255.255',
    '198.20.0.1',
    '192.0.1.1',
    '192.31.196.1',
    '223.255.255.255',
    '64:ff9b:2::1',
    '2001:200::1',
    '2002:808:808::1',
    '2620:4f:8000::1',
  ])('%s is public', (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });
});

describe('WebhookConfigSchema', () => {
  it('defaults the method to POST and keeps placeholders in the url', () => {
    expect(WebhookConfigSchema.parse({ url: 'https://hooks.example.com/deals/{{record.id}}' })).toEqual({
      url: 'https://hooks.example.com/deals/{{record.id}}',
      method: 'POST',
    });
  });

  it('accepts PUT, headers and any JSON body', () => {
    const config = {
      url: 'http://example.com/x?y=1',
      method: 'PUT',
      headers: { Authorization: 'Bearer abc', 'X-Custom_Header': 'v' },
      body: { a: [1, 'two', null, { b: true }], c: '{{record.properties.company}}' },
    };
    expect(WebhookConfigSchema.parse(config)).toEqual(config);
  });

  it.each([
    ['a non-URL', { url: 'not a url' }],
    ['another scheme', { url: 'ftp://example.com/file' }],
    ['credentials in the URL', { url: 'https://user:secret@example.com/' }],
    ['a URL over 2000 characters', { url: `https://example.com/${'a'.repeat(2_000)}` }],
    ['GET', { url: 'https://example.com/', method: 'GET' }],
    ['Host', { url: 'https://example.com/', headers: { Host: 'internal' } }],
    ['content-length', { url: 'https://example.com/', headers: { 'content-length': '5' } }],
    ['Idempotency-Key', { url: 'https://example.com/', headers: { 'IDEMPOTENCY-KEY': 'mine' } }],
    ['Transfer-Encoding', { url: 'https://example.com/', headers: { 'Transfer-Encoding': 'chunked' } }],
    ['a header name with a space', { url: 'https://example.com/', headers: { 'X Bad': 'v' } }],
    ['a header value with a line break', { url: 'https://example.com/', headers: { 'X-A': 'v\r\nX-B: w' } }],
    [
      'more than 20 headers',
      {
        url: 'https://example.com/',
        headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-${i}`, 'v'])),
      },
    ],
    ['an unknown field', { url: 'https://example.com/', timeout: 5 }],
    ['a body that is not JSON', { url: 'https://example.com/', body: { at: new Date() } }],
  ])('rejects %s', (_what, config) => {
    expect(WebhookConfigSchema.safeParse(config).success).toBe(false);
  });
});

describe('webhookUrlTemplateProblem', () => {
  it.each([
    'https://hooks.example.com/deals/{{record.id}}?company={{record.properties.company}}',
    'https://hooks.example.com/services/{{secrets.slack_path}}',
    'http://example.com:8080/x?token={{secrets.token}}#{{record.id}}',
    'https://example.com\\{{record.id}}',
    'https://example.com',
  ])('lets %s through: placeholders only in its path and query', (url) => {
    expect(webhookUrlTemplateProblem(url)).toBeUndefined();
  });

  it.each([
    'http://{{record.properties.host}}/',
    'https://{{record.properties.sub}}.example.com/x',
    'https://api.example.com.{{record.properties.tld}}/x',
    'https://example.com:{{record.properties.port}}/x',
    'https://{{record.properties.user}}@example.com/x',
    'https://{{secrets.host}}/x',
    '{{record.properties.scheme}}://example.com/x',
    'http:{{record.properties.host}}/x',
    'http:\\\\{{record.properties.host}}/x',
    '  http://{{record.properties.host}}/x',
    'http://ex\tample{{record.id}}.com/x',
    'http://{\n{record.id}}/x',
    '{{record.properties.url}}',
  ])('refuses %j: a placeholder in the scheme or authority', (url) => {
    expect(webhookUrlTemplateProblem(url)).toMatch(/only in the path and query/);
  });
});
