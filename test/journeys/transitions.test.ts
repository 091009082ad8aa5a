import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileJourney } from '../../lib/journeys/compile';
import { localArnOf } from '../../lib/journeys/local-bindings';
import { costPerMillionCustomers, countMainPath, renderTransitionsTable, type TransitionsRow } from '../../lib/journeys/transitions';
import { CATALOG } from '../../workflows';
import { MAIN_PATHS } from '../../workflows/main-paths';

const TARGETS = {
  sendFunctionArn: localArnOf('SendFunction', 'AWS::Lambda::Function'),
  waitForEventFunctionArn: localArnOf('WaitForEventFunction', 'AWS::Lambda::Function'),
  journeyEffectsFunctionArn: localArnOf('JourneyEffectsFunction', 'AWS::Lambda::Function'),
};

async function measuredRows(): Promise<TransitionsRow[]> {
  const rows: TransitionsRow[] = [];
  for (const journey of CATALOG) {
    const path = MAIN_PATHS[journey.id];
    if (!path) throw new Error(`no main path for ${journey.id}`);
    const count = await countMainPath(compileJourney(journey, TARGETS), journey.id, path);
    rows.push({ journey: journey.id, path: path.description, transitions: count.transitions, sendTransitions: count.sendTransitions, messages: count.messages });
  }
  return rows;
}

describe('state transitions per customer', () => {
  it('are published in docs/journeys.md exactly as measured on the compiled journeys', async () => {
    // Prepare
    const docs = readFileSync(join(__dirname, '..', '..', 'docs', 'journeys.md'), 'utf8');

    // Act
    const table = renderTransitionsTable(await measuredRows());

    // Assess (on a mismatch, the expected table below is the one to paste into the docs)
    expect(docs).toContain(table);
  });

  it('cost two transitions per message at every send step on every main path', async () => {
    // Act
    const rows = await measuredRows();

    // Assess
    for (const row of rows) {
      expect(row.messages).toBeGreaterThan(0);
      expect(row.sendTransitions).toBe(2 * row.messages);
    }
  });

  it('are priced at $0.025 per 1,000', () => {
    expect(costPerMillionCustomers(10)).toBeCloseTo(250, 6);
  });
});
