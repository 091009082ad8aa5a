/**
 * The local Step Functions as an HTTP endpoint speaking the service's JSON protocol, so that the
 * ingest, launcher and inactivity-scan code reaches it through the ordinary `SFNClient` with an
 * endpoint override, exactly as it reaches Step Functions in AWS.
 *
 * Operations: StartExecution, DescribeExecution, ListExecutions, RedriveExecution, SendTaskSuccess,
 * SendTaskFailure, SendTaskHeartbeat. Errors are answered with the service's error names (`ExecutionAlreadyExists`,
 * `TaskTimedOut`…), which the SDK turns into its typed exceptions.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import { executionArnOf } from '../ingest/execution-name';
import { StepFunctionsApiError, type ExecutionRecord, type LocalStepFunctions } from './step-functions';

/** A running endpoint. */
export interface StepFunctionsServer {
  /** `http://host:port`, for `new SFNClient({ endpoint })`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'AWSStepFunctions.';

const StartExecutionSchema = z.object({ stateMachineArn: z.string(), name: z.string().min(1).max(80), input: z.string().optional() });
const DescribeExecutionSchema = z.object({ executionArn: z.string() });
const ListExecutionsSchema = z.object({
  stateMachineArn: z.string().optional(),
  statusFilter: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED']).optional(),
});
const RedriveExecutionSchema = z.object({ executionArn: z.string(), clientToken: z.string().optional() });
const SendTaskSuccessSchema = z.object({ taskToken: z.string().min(1), output: z.string() });
const SendTaskFailureSchema = z.object({ taskToken: z.string().min(1), error: z.string().optional(), cause: z.string().optional() });

/** Epoch seconds, the way the JSON protocol carries timestamps. */
function epochSeconds(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : Date.parse(iso) / 1000;
}

/** An execution as ListExecutions reports it (DescribeExecution adds its input and error). */
function executionSummary(record: ExecutionRecord) {
  return {
    executionArn: executionArnOf(record.stateMachineArn, record.name),
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    stopDate: epochSeconds(record.stopDate),
  };
}

/** Answers one operation; throws StepFunctionsApiError for the service's own errors. */
export function handleStepFunctionsOperation(sfn: LocalStepFunctions, operation: string, body: unknown): Record<string, unknown> {
  switch (operation) {
    case 'StartExecution': {
      const request = StartExecutionSchema.parse(body);
      const started = sfn.startExecution(request);
      return { executionArn: started.executionArn, startDate: epochSeconds(started.startDate) };
    }
    case 'DescribeExecution': {
      const record = sfn.describeExecution(DescribeExecutionSchema.parse(body).executionArn);
      return {
        ...executionSummary(record),
        input: record.input,
        error: record.error,
        redriveCount: record.redriveCount ?? 0,
        redriveDate: epochSeconds(record.redriveDate),
      };
    }
    case 'RedriveExecution': {
      const { redriveDate } = sfn.redriveExecution(RedriveExecutionSchema.parse(body).executionArn);
      return { redriveDate: epochSeconds(redriveDate) };
    }
    case 'ListExecutions': {
      const request = ListExecutionsSchema.parse(body);
      return {
        executions: sfn.listExecutions({ stateMachineArn: request.stateMachineArn, status: request.statusFilter }).map(executionSummary),
      };
    }
    case 'SendTaskSuccess': {
      const request = SendTaskSuccessSchema.parse(body);
      sfn.sendTaskSuccess(request.taskToken, request.output);
      return {};
    }
    case 'SendTaskFailure': {
      const request = SendTaskFailureSchema.parse(body);
      sfn.sendTaskFailure(request.taskToken, request.error, request.cause);
      return {};
    }
    case 'SendTaskHeartbeat':
      return {};
    default:
      throw new StepFunctionsApiError('ValidationException', `operation ${operation} is not supported by the local runtime`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

/** Serves `sfn` on `host:port` (a free port by default). */
export async function startStepFunctionsServer(
  sfn: LocalStepFunctions,
  options: { host?: string; port?: number } = {},
): Promise<StepFunctionsServer> {
  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((text) => {
        const target = String(req.headers['x-amz-target'] ?? '');
        const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
        try {
          answer(res, 200, handleStepFunctionsOperation(sfn, operation, text === '' ? {} : JSON.parse(text)));
        } catch (error) {
          if (error instanceof StepFunctionsApiError) answer(res, 400, { __type: error.code, message: error.message });
          else if (error instanceof z.ZodError || error instanceof SyntaxError) answer(res, 400, { __type: 'ValidationException', message: 'malformed request' });
          else throw error;
        }
      })
      .catch((error: unknown) => answer(res, 500, { __type: 'InternalServerError', message: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
