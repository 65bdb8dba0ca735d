import { ConfigError, loadConfig } from '../../src/config';

const failure = (env: NodeJS.ProcessEnv): string => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted it');
};

describe('ADMIN_TOKEN', () => {
  it.each([
    ['the placeholder docker-compose.yml used to ship', 'change-me-to-a-long-random-secret'],
    ['any other change-me', 'please-CHANGEME-0123456789'],
    ['a replace-me', 'replace_me_with_a_real_secret'],
    ['a placeholder', 'placeholder-admin-token-000'],
  ])('refuses %s, naming the variable', (_what, secret) => {
    expect(failure({ ADMIN_TOKEN: secret })).toMatch(/ADMIN_TOKEN: is a placeholder, not a secret/);
  });

  it('refuses one shorter than 16 characters, naming the variable', () => {
    expect(failure({ ADMIN_TOKEN: 'short-secret' })).toMatch(/ADMIN_TOKEN: use at least 16 characters/);
  });

  it('takes a random secret as it is', () => {
    const secret = 'f3a9c2e87b1d4065a9e2c7b3d8f10e4a';
    expect(loadConfig({ ADMIN_TOKEN: secret }).adminToken).toBe(secret);
  });
});
