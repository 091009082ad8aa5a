/**
 * The mailbox's URL across starts of the local stack on one data folder: a restart serves it on
 * the port of the first start when that port is free, so a bookmarked mailbox keeps working, and
 * on a free one, without failing, when another program holds it. Only ports the system hands out
 * are used (the endpoint on port 0, as every test asks): test files run in parallel.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import * as z from 'zod';
import { DATA_FILES } from '../../lib/local/data-files';
import { EmulatorStartError, LOOPBACK, startSesEmulator } from '../../lib/local/emulators';
import { startLocalStack, type LocalStack } from '../../lib/local/stack';
import { temporaryDataDir, testOutdir } from './support';

jest.setTimeout(300_000);

const outdir = testOutdir('mailbox-port');

function startStack(dataDir: string): Promise<LocalStack> {
  return startLocalStack({ dataDir, port: 0, outdir });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** The port the data folder keeps for its mailbox. */
function keptPort(dataDir: string): number {
  return z.object({ mailbox: z.number() }).parse(JSON.parse(readFileSync(path.join(dataDir, DATA_FILES.ports), 'utf8'))).mailbox;
}

/** Servers standing for another program; each test's are closed after it, however it ended. */
const held: Server[] = [];

afterEach(async () => {
  await Promise.all(held.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Another program on a port the system hands out: its port. */
async function holdPort(): Promise<number> {
  const server = createServer();
  held.push(server);
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the held server has no port');
  return address.port;
}

describe('the mailbox port of a data folder', () => {
  it('is the first start\'s again at a restart that finds it free', async () => {
    // Prepare: a first start records the free port the system gave its mailbox.
    const data = temporaryDataDir('mailbox-port');
    const first = await startStack(data);
    const port = portOf(first.urls.mailbox);
    await first.close();

    // Act
    const second = await startStack(data);

    // Assess
    try {
      expect(portOf(second.urls.mailbox)).toBe(port);
      expect(second.mailboxPortTaken).toBeUndefined();
      expect((await fetch(second.urls.mailbox)).status).toBe(200);
      expect(keptPort(data)).toBe(port);
    } finally {
      await second.close();
    }
  });

  it('is a free one for a start that finds it taken, which still starts, and stays the folder\'s port', async () => {
    // Prepare: the port the folder kept for its mailbox is one that another program holds now.
    const data = temporaryDataDir('mailbox-port-taken');
    const taken = await holdPort();
    writeFileSync(path.join(data, DATA_FILES.ports), JSON.stringify({ mailbox: taken }));

    // Act
    const stack = await startStack(data);

    // Assess
    try {
      expect(portOf(stack.urls.mailbox)).not.toBe(taken);
      expect(stack.mailboxPortTaken).toBe(taken);
      expect((await fetch(stack.urls.mailbox)).status).toBe(200);
      expect(keptPort(data)).toBe(taken);
    } finally {
      await stack.close();
    }
  });
});

describe('startSesEmulator on a port another program holds', () => {
  it('fails naming the port when told that port', async () => {
    // Prepare
    const taken = await holdPort();

    // Act
    const started = startSesEmulator({ port: taken });

    // Assess
    await expect(started).rejects.toThrow(EmulatorStartError);
    await expect(started).rejects.toThrow(`could not listen on port ${taken} of ${LOOPBACK}`);
  });
});
