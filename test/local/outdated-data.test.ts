/**
 * A data folder made before the customer table had its lapse index: dynalite cannot add an index
 * to a table that has items, so the stack refuses it and says how to go on, rather than failing
 * later at the first inactivity scan.
 */
import path from 'node:path';
import { CreateTableCommand, DeleteTableCommand, waitUntilTableExists, waitUntilTableNotExists } from '@aws-sdk/client-dynamodb';
import { CliExit } from '../../lib/cli/io';
import { startStackForCommand } from '../../lib/cli/stack-commands';
import { localDynamoDBClientFor } from '../../lib/local/clients';
import { DATA_FILES } from '../../lib/local/data-files';
import { startDynamoDBEmulator } from '../../lib/local/emulators';
import { LocalRuntime, OutdatedLocalDataError } from '../../lib/local/runtime';
import { customerTableDefinition, LAPSE_INDEX_NAME } from '../../lib/store/table-design';
import { welcome } from '../../workflows/catalog/welcome';
import { temporaryDataDir, testOutdir } from './support';

jest.setTimeout(300_000);

const outdir = testOutdir('outdated-data');
let dataDir: string;
let tableName: string;

beforeAll(async () => {
  // Prepare: a data folder whose customer table has no index, as an earlier version made it.
  dataDir = temporaryDataDir('outdated');
  const first = await LocalRuntime.start({ journeys: [welcome], dataDir, outdir, inactivityScan: false });
  tableName = first.tableName;
  await first.close();
  const dynamo = await startDynamoDBEmulator({ dataPath: path.join(dataDir, DATA_FILES.dynamodb) });
  const client = localDynamoDBClientFor(dynamo.endpoint);
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    await waitUntilTableNotExists({ client, maxWaitTime: 30 }, { TableName: tableName });
    const { GlobalSecondaryIndexes: _none, ...withoutIndex } = customerTableDefinition(tableName);
    await client.send(new CreateTableCommand({ ...withoutIndex, AttributeDefinitions: withoutIndex.AttributeDefinitions?.slice(0, 2) }));
    await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  } finally {
    client.destroy();
    await dynamo.close();
  }
});

it('refuses the folder, naming the table and the missing index', async () => {
  // Act
  const starting = LocalRuntime.start({ journeys: [welcome], dataDir, outdir, inactivityScan: false });

  // Assess
  await expect(starting).rejects.toBeInstanceOf(OutdatedLocalDataError);
  await expect(starting).rejects.toMatchObject({ tableName, missingIndexes: [LAPSE_INDEX_NAME] });
});

it('ends npm start and overture serve with what to do instead of a stack trace', async () => {
  // Act
  const starting = startStackForCommand({ dataDir, port: 0, outdir, journeys: [welcome] });

  // Assess
  await expect(starting).rejects.toBeInstanceOf(CliExit);
  await expect(starting).rejects.toThrow(
    `the data folder ${dataDir} holds data of an earlier version (table ${tableName} was made by an earlier version of Overture: it has no index ${LAPSE_INDEX_NAME}); start over with --reset (this deletes its data), or give another folder with --data`,
  );
});
