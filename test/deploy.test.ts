import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { searchAttributeArgs } from '../dev/temporal-server.ts';

it('registers in docker-compose the same search attributes as the dev server', () => {
  const script = readFileSync(join(import.meta.dirname, '..', 'deploy', 'temporal-namespace.sh'), 'utf8');
  const listed = script.match(/for attr in ([^;]+);/)?.[1]?.trim().split(/\s+/) ?? [];
  const fromDefinitions = searchAttributeArgs().filter((arg) => arg !== '--search-attribute');
  expect(listed.sort()).toEqual(fromDefinitions.sort());
});
