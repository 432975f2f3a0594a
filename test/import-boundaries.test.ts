/** Activities never reach workflow code, and clients start workflows by names that exist. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';
import * as workflows from '../workflows/index.ts';
import {
  workflowTypes,
  type DomainVerificationWorkflow,
  type MemberLifecycleWorkflow,
  type SendInvitationWorkflow,
  type SiteAccessRemindersWorkflow,
} from '../workflows/definitions.ts';

const root = resolve(import.meta.dirname, '..');

/** Every project file `file` imports, directly or through others (type imports included). */
function importsOf(file: string, seen = new Set<string>()): Set<string> {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith('.')) continue;
    const target = resolve(dirname(file), fileName);
    if (seen.has(target)) continue;
    seen.add(target);
    importsOf(target, seen);
  }
  return seen;
}

it('no activity imports, even through other modules, a workflow implementation or workflows/index.ts', () => {
  const activities = readdirSync(join(root, 'activities')).filter((f) => f.endsWith('.ts'));
  const reached = Object.fromEntries(
    activities.map((f) => [
      f,
      [...importsOf(join(root, 'activities', f))]
        .map((path) => relative(root, path))
        .filter((path) => path.startsWith('workflows/') && path !== 'workflows/definitions.ts'),
    ]),
  );
  expect(reached).toEqual(Object.fromEntries(activities.map((f) => [f, []])));
});

it('every workflow type clients name is exported by the workflow code, with the signature they start it with', () => {
  const exported: Record<string, unknown> = workflows;
  for (const name of Object.values(workflowTypes)) expect(typeof exported[name], name).toBe('function');
  // Checked by the type checker: a signature drifting from definitions.ts fails `tsc`.
  const signatures: [MemberLifecycleWorkflow, SendInvitationWorkflow, SiteAccessRemindersWorkflow, DomainVerificationWorkflow] = [
    workflows[workflowTypes.memberLifecycle],
    workflows[workflowTypes.sendInvitation],
    workflows[workflowTypes.siteAccessReminders],
    workflows[workflowTypes.domainVerification],
  ];
  expect(signatures).toHaveLength(4);
});
