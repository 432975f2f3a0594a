import { describe, expect, it } from 'vitest';
import { emailAddress, isEmailAddress, MAX_EMAIL_LENGTH } from '../domain/email.ts';

describe('the one email-address check (api, CLI, activities)', () => {
  it('accepts an address with a dotted domain, up to 320 characters', () => {
    expect(isEmailAddress('ada@acme.example')).toBe(true);
    expect(isEmailAddress('first.last+tag@mail.acme.co.uk')).toBe(true);
    const longest = `${'a'.repeat(64)}@${'b'.repeat(MAX_EMAIL_LENGTH - 64 - 1 - 8)}.example`;
    expect(longest).toHaveLength(MAX_EMAIL_LENGTH);
    expect(isEmailAddress(longest)).toBe(true);
    expect(isEmailAddress(`a${longest}`)).toBe(false);
  });

  it.each(['ada@localhost', 'ada', '@acme.example', 'ada@', 'a da@acme.example', 'ada@acme .example', 'a@b@acme.example',
    // Mail-header syntax the mailer would read as a display name and another address, or several.
    'desk.partner.example<it@attacker.example>', 'ada@acme.example,eve@evil.example', 'ada@acme.example;eve@evil.example', '"ada"@acme.example', 'ada(x)@acme.example', 'ada\\@acme.example', 'ada@[10.0.0.1].example'])('refuses %s', (value) => {
    expect(isEmailAddress(value)).toBe(false);
  });

  it('trims and lower-cases at zod edges, naming the rule when it refuses', () => {
    expect(emailAddress.parse('  Ada@ACME.example ')).toBe('ada@acme.example');
    const refused = emailAddress.safeParse('ada@localhost');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toMatch(/must be an email address .* at most 320 characters/);
  });
});
