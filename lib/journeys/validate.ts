/**
 * Journey validation: the schema, then the rules that need the whole graph or the disk. Every
 * problem is reported with the journey, the node and the fix, because the reader is a marketer
 * or developer looking at a failed synth, not at this code.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type * as z from 'zod';
import { TRANSACTIONAL, type Channel } from '../customer/model';
import { TEMPLATE_FILES } from '../templates/catalog';
import { compileTemplate, type TemplatePart } from '../templates/template';
import { partsReading } from '../templates/variables';
import {
  type EntryNode,
  type Journey,
  type JourneyNode,
  type NodeId,
  JourneySchema,
  successors,
} from './format';
import { followUpFindings } from './follow-ups';
import { explicitEdges, reachableFrom, shortestCycle, shortestPath, stronglyConnectedComponents } from './graph';
import { longestPathFindings, loopPaceFindings } from './journey-time';
import { findSendLoops } from './send-loops';

/** Raised for a journey that cannot run; `problems` lists every problem, one line each. */
export class InvalidJourneyError extends Error {
  constructor(
    public readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(problems.join('\n'), options);
    this.name = 'InvalidJourneyError';
  }
}

const PROJECT_ROOT = resolve(__dirname, '..', '..');

/** Where templates live by default: `workflows/templates/` at the project root. */
export const DEFAULT_TEMPLATES_DIR = join(PROJECT_ROOT, 'workflows', 'templates');

/** The files a template folder needs for each channel (the template catalog's convention). */
export const TEMPLATE_FILES_BY_CHANNEL: Readonly<Record<Channel, readonly string[]>> = {
  email: [TEMPLATE_FILES.emailSubject, TEMPLATE_FILES.emailHtml, TEMPLATE_FILES.emailText],
  sms: [TEMPLATE_FILES.sms],
  mail: [TEMPLATE_FILES.mail],
};

/**
 * The file that declares a template transactional, beside its channel files. It holds, in words,
 * why the message needs no marketing consent: a receipt, a reply to the customer's own request.
 * It is read by validation only, never at send time.
 */
export const TRANSACTIONAL_DECLARATION = 'transactional.md';

/**
 * The one entry started by the customer's own action. Every other (an audience launch, a
 * schedule, inactivity, and any added later) is started by a marketer or a clock: nothing such a
 * journey sends answers a request of the customer's, so none of it is transactional.
 */
const CUSTOMER_TRIGGER = 'event';

/** Options of {@link validateJourney}. */
export interface ValidateJourneyOptions {
  /** The folder holding one folder per template. @default DEFAULT_TEMPLATES_DIR */
  readonly templatesDir?: string;
}

/**
 * Parses and checks a journey: schema, unique ids, references, reachability, loops without a
 * wait, loops back to a send step, held-out groups that reach a send step, paths longer than an execution may wait, loops that would
 * outgrow an execution's history (see `journey-time.ts`), templates on disk and the channels they support,
 * transactional steps (see {@link TRANSACTIONAL_DECLARATION}), the unsubscribe link of email
 * steps (in marketing email, none in transactional), and the preference link of marketing letters.
 *
 * @returns the parsed journey
 * @throws InvalidJourneyError naming each offending node and the fix
 */
export function validateJourney(input: unknown, options: ValidateJourneyOptions = {}): Journey {
  const parsed = JourneySchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidJourneyError(parsed.error.issues.map((issue) => describeIssue(input, issue)), { cause: parsed.error });
  }
  const journey = parsed.data;
  const problems = [
    ...duplicateIdProblems(journey),
    ...referenceProblems(journey),
    ...goalProblems(journey),
  ];
  // Reachability and loops are only meaningful on a graph whose edges all resolve.
  if (problems.length === 0) {
    problems.push(...unreachableProblems(journey), ...loopProblems(journey), ...sendLoopProblems(journey), ...followUpProblems(journey), ...holdoutProblems(journey));
  }
  // Time is only summed over a graph whose loops all wait: a loop that never waits is reported above.
  if (problems.length === 0) problems.push(...timeProblems(journey));
  const templatesDir = options.templatesDir ?? DEFAULT_TEMPLATES_DIR;
  problems.push(
    ...templateProblems(journey, templatesDir),
    ...transactionalProblems(journey, templatesDir),
    ...unsubscribeLinkProblems(journey, templatesDir),
    ...senderAddressProblems(journey, templatesDir),
    ...letterPreferenceLinkProblems(journey, templatesDir),
  );
  if (problems.length > 0) throw new InvalidJourneyError(problems);
  return journey;
}

/** `journey "welcome", node "tips" (send)`: how every problem starts. */
function where(journey: Pick<Journey, 'id'>, node: JourneyNode | EntryNode): string {
  return `journey "${journey.id}", node "${node.id}" (${node.type})`;
}

function describeIssue(input: unknown, issue: z.core.$ZodIssue): string {
  const record = isRecord(input) ? input : {};
  const journeyId = typeof record.id === 'string' ? record.id : '?';
  const [head, index, ...rest] = issue.path;
  if (head === 'nodes' && typeof index === 'number' && Array.isArray(record.nodes)) {
    const node: unknown = record.nodes[index];
    const nodeRecord = isRecord(node) ? node : {};
    const id = typeof nodeRecord.id === 'string' ? nodeRecord.id : `#${index}`;
    const type = typeof nodeRecord.type === 'string' ? nodeRecord.type : 'unknown type';
    return `journey "${journeyId}", node "${id}" (${type}): ${pathText(rest)}${issue.message}`;
  }
  if (head === 'entry' && isRecord(record.entry)) {
    const id = typeof record.entry.id === 'string' ? record.entry.id : 'entry';
    return `journey "${journeyId}", node "${id}" (entry): ${pathText(issue.path.slice(1))}${issue.message}`;
  }
  return `journey "${journeyId}": ${pathText(issue.path)}${issue.message}`;
}

function pathText(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '';
  const text = path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
  return `${text}: `;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function allNodes(journey: Journey): (JourneyNode | EntryNode)[] {
  return [journey.entry, ...journey.nodes];
}

function duplicateIdProblems(journey: Journey): string[] {
  const counts = new Map<string, number>();
  for (const node of allNodes(journey)) counts.set(node.id, (counts.get(node.id) ?? 0) + 1);
  const reported = new Set<string>();
  const problems: string[] = [];
  for (const node of allNodes(journey)) {
    const count = counts.get(node.id) ?? 0;
    if (count > 1 && !reported.has(node.id)) {
      reported.add(node.id);
      problems.push(`${where(journey, node)}: id "${node.id}" is used by ${count} nodes; give each node its own id`);
    }
  }
  return problems;
}

function referenceProblems(journey: Journey): string[] {
  const ids = new Set(journey.nodes.map((node) => node.id));
  const problems: string[] = [];
  for (const node of allNodes(journey)) {
    for (const { field, target } of successors(node)) {
      if (target === journey.entry.id) {
        problems.push(`${where(journey, node)}: ${field} points at the entry "${target}"; point it at the first step after the entry instead`);
      } else if (!ids.has(target)) {
        problems.push(`${where(journey, node)}: ${field} refers to unknown node "${target}"; add a node with id "${target}" or point ${field} at an existing node`);
      }
    }
  }
  return problems;
}

function goalProblems(journey: Journey): string[] {
  const goals = journey.nodes.filter((node) => node.type === 'goal');
  return goals
    .slice(1)
    .map((node) => `${where(journey, node)}: a journey has at most one goal and "${goals[0]?.id}" is one already; remove this one or make it an exit`);
}

/** The goal is reachable from any step that checks it, so only explicit edges are followed for the rest. */
function unreachableProblems(journey: Journey): string[] {
  const seen = reachableFrom([journey.entry.next], explicitEdges(journey));
  return journey.nodes
    .filter((node) => node.type !== 'goal' && !seen.has(node.id))
    .map((node) => `${where(journey, node)}: unreachable from the entry; remove it or point a next of another node at it`);
}

/**
 * Nodes that always hold the execution for a while, so a loop through one of them cannot spin: a
 * waitForEvent, a duration wait, and a local-time wait with a time (it ends at the next such time
 * after now). Not a local-time wait without a time, which ends at once on a matching day, nor a
 * date wait, which does not wait when the date is missing or unreadable (effects.ts; a past one exits).
 */
function waits(node: JourneyNode): boolean {
  return (node.type === 'wait' || node.type === 'waitForEvent') && endsAtOnce(node) === undefined;
}

/** Why a wait node may end at once (see {@link waits}); undefined for any node that cannot. */
function endsAtOnce(node: JourneyNode): string | undefined {
  if (node.type !== 'wait') return undefined;
  if (node.wait.kind === 'localTime' && node.wait.time === undefined) return `wait "${node.id}" has weekdays but no time, so it ends at once on a matching day`;
  if (node.wait.kind === 'attributeDate') return `wait "${node.id}" waits for a date, and a missing or unreadable date does not wait`;
  return undefined;
}

/**
 * A loop without a wait that always holds would burn through the 25,000-event history in
 * seconds. Finds the strongly connected components of the graph without such wait nodes; each one
 * with a cycle is reported once, at its first node in journey order, with one concrete cycle.
 */
function loopProblems(journey: Journey): string[] {
  const order = journey.nodes.filter((node) => !waits(node));
  const inGraph = new Map(order.map((node) => [node.id, node]));
  const edges = (id: NodeId): NodeId[] => {
    const node = inGraph.get(id);
    return node ? successors(node).map((edge) => edge.target).filter((target) => inGraph.has(target)) : [];
  };
  const problems: string[] = [];
  for (const component of stronglyConnectedComponents(order.map((node) => node.id), edges)) {
    const members = new Set(component);
    const first = order.find((node) => members.has(node.id));
    if (!first) continue;
    const cycle = shortestCycle(first.id, members, edges);
    if (!cycle) continue;
    const fleeting = cycle.flatMap((id) => {
      const node = inGraph.get(id);
      return node !== undefined && endsAtOnce(node) !== undefined ? [node] : [];
    });
    if (fleeting.length === 0) {
      problems.push(`${where(journey, first)}: loop ${cycle.join(' → ')} has no wait; add a wait or waitForEvent node inside the loop`);
    } else {
      const timeless = fleeting.some((node) => node.type === 'wait' && node.wait.kind === 'localTime');
      problems.push(
        `${where(journey, first)}: loop ${cycle.join(' → ')} has no wait that always pauses (${[...new Set(fleeting.map(endsAtOnce))].join('; ')}); ` +
          `${timeless ? 'give the local-time wait a time, or ' : ''}add a duration wait or a waitForEvent node inside the loop`,
      );
    }
  }
  return problems;
}

/** Paths that outlast the execution's year, loops that would outgrow its history (journey-time.ts). */
function timeProblems(journey: Journey): string[] {
  return [...longestPathFindings(journey), ...loopPaceFindings(journey)].map(({ node, text }) => `${where(journey, node)}: ${text}`);
}

/**
 * A send step sends at most once per execution (the send ledger keeps one message per execution
 * and step), so a loop back to one would run it again for nothing: every pass after the first is
 * a replay that sends no message, while the execution keeps looping. Each edge that goes back is
 * reported with the send steps it repeats and one loop through them.
 */
function sendLoopProblems(journey: Journey): string[] {
  return findSendLoops(journey).map(({ node, field, target, sends, loop }) => {
    const named = sends.map((id) => `"${id}"`).join(', ');
    const repeats = sends.length === 1 ? `send step ${named}` : `send steps ${named}`;
    const [example = 'step'] = sends;
    return (
      `${where(journey, node)}: ${field} goes back to "${target}" (a goTo to an earlier step), so ${repeats} would run again in the same execution ` +
      `(loop ${loop.join(' → ')}); a step sends at most once per execution (rule 8: one message per execution and step), so the loop would never send again; ` +
      `write each repeat as a send step of its own ("${example}-1", "${example}-2", …) and end the series with an exit`
    );
  });
}

/** `followUpOf` entries that could never have sent before the follow-up (see follow-ups.ts). */
function followUpProblems(journey: Journey): string[] {
  const why = {
    unknown: 'names no node of the journey',
    not_a_send: 'is not a send step',
    itself: 'is this step itself',
    never_before: 'cannot come before this step (no path leads from it here)',
  } as const;
  return followUpFindings(journey).map(
    ({ node, followed, problem }) =>
      `${where(journey, node)}: followUpOf "${followed}" ${why[problem]}; a follow-up sends only after one of the earlier send steps it names sent, so name send steps that lead to it`,
  );
}

/**
 * A holdout measures what the journey's messages add against customers sent none of them, and
 * those customers were promised nothing. A held-out path that reaches a send step (the builder
 * rejoins an arm to the sequence after the holdout unless it ends in an exit, goTo or
 * reachGoal) sends them the messages, which voids the measurement. Each holdout is reported once,
 * with the send steps its held-out group reaches and one path to the first of them.
 */
function holdoutProblems(journey: Journey): string[] {
  const edges = explicitEdges(journey);
  const problems: string[] = [];
  for (const node of journey.nodes) {
    if (node.type !== 'holdout') continue;
    const heldOut = reachableFrom([node.holdoutNext], edges);
    const sends = journey.nodes.filter((candidate) => candidate.type === 'send' && heldOut.has(candidate.id)).map((send) => send.id);
    const [first] = sends;
    if (first === undefined) continue;
    const path = [node.id, ...(shortestPath(node.holdoutNext, first, heldOut, edges) ?? [first])];
    const named = sends.map((id) => `"${id}"`).join(', ');
    problems.push(
      `${where(journey, node)}: the held-out group reaches ${sends.length === 1 ? 'send step' : 'send steps'} ${named} (${path.join(' → ')}), ` +
        `so the customers held out to measure the messages are sent them; end the held-out arm (holdoutNext) in an exit, ` +
        `e.g. exit('held-out', 'holdout') as the last step of the builder's holdout arm`,
    );
  }
  return problems;
}

function templateProblems(journey: Journey, templatesDir: string): string[] {
  const problems: string[] = [];
  for (const node of journey.nodes) {
    if (node.type !== 'send') continue;
    const folder = join(templatesDir, node.templateId);
    if (!isDirectory(folder)) {
      problems.push(`${where(journey, node)}: template "${node.templateId}" does not exist; create ${shown(folder)}/ or use an existing template id`);
      continue;
    }
    for (const channel of node.channels) {
      const missing = TEMPLATE_FILES_BY_CHANNEL[channel].filter((file) => !existsSync(join(folder, file)));
      if (missing.length > 0) {
        problems.push(
          `${where(journey, node)}: template "${node.templateId}" does not support channel "${channel}" (missing ${missing.join(', ')}); add them to ${shown(folder)}/ or remove "${channel}" from channels`,
        );
      }
    }
  }
  return problems;
}

/**
 * A `transactional` step skips consent, quiet hours, preferences and the frequency cap, so calling
 * a marketing message transactional would send it against the customer's wishes. The journey's
 * author cannot do that alone: the template must declare itself transactional, with the reason
 * written down where a reviewer sees it, and the journey must start from the customer's own action.
 */
function transactionalProblems(journey: Journey, templatesDir: string): string[] {
  const problems: string[] = [];
  for (const node of journey.nodes) {
    if (node.type !== 'send' || node.topic !== TRANSACTIONAL) continue;
    if (journey.entry.trigger.kind !== CUSTOMER_TRIGGER) {
      problems.push(
        `${where(journey, node)}: topic "transactional" in a journey started by ${journey.entry.trigger.kind}; only a journey started by the customer's own event may send without marketing consent, so use a consent topic such as "marketing"`,
      );
      continue;
    }
    const folder = join(templatesDir, node.templateId);
    if (!isDirectory(folder)) continue; // templateProblems names the missing folder.
    const declaration = join(folder, TRANSACTIONAL_DECLARATION);
    if (!existsSync(declaration) || readFileSync(declaration, 'utf8').trim() === '') {
      problems.push(
        `${where(journey, node)}: topic "transactional" needs a template declared transactional; write in ${shown(declaration)} why "${node.templateId}" needs no marketing consent (a receipt, a reply to the customer's own request), or use a consent topic such as "marketing"`,
      );
    }
  }
  return problems;
}

/**
 * A marketing email shows its unsubscribe link in its body, in both parts: the List-Unsubscribe
 * header is not a button in every mail client, CAN-SPAM and the large mailbox providers' sender
 * rules ask for a visible link, and the preference link beside it expires (its page then offers
 * no way out, because the message carries its own unsubscribe link). A transactional email
 * shows none: its link would be signed for the topic `transactional`, so pressing it would
 * withdraw a consent no message needs and leave the marketing ones as they are.
 */
function unsubscribeLinkProblems(journey: Journey, templatesDir: string): string[] {
  const problems: string[] = [];
  for (const node of journey.nodes) {
    if (node.type !== 'send' || !node.channels.includes('email')) continue;
    const parts = emailPartsReading(join(templatesDir, node.templateId), node.templateId, UNSUBSCRIBE_LINK);
    if (parts === undefined) continue; // templateProblems names missing files; the catalog check, syntax errors.
    const marketing = node.topic !== TRANSACTIONAL;
    const wrong = EMAIL_BODY_PARTS.filter((part) => parts.has(part) !== marketing);
    if (wrong.length === 0) continue;
    const files = wrong.map((part) => EMAIL_BODY_FILES[part]).join(' and ');
    problems.push(
      marketing
        ? `${where(journey, node)}: template "${node.templateId}" is sent as marketing email (topic "${node.topic}") but ${files} do${wrong.length === 1 ? 'es' : ''} not print {{ ${UNSUBSCRIBE_LINK} }}; add the unsubscribe link to the footer of both parts`
        : `${where(journey, node)}: template "${node.templateId}" is sent as transactional email but ${files} print${wrong.length === 1 ? 's' : ''} {{ ${UNSUBSCRIBE_LINK} }}, which would unsubscribe from nothing; link {{ preferencesUrl }} instead`,
    );
  }
  return problems;
}

/**
 * A marketing email shows the sender's physical postal address, in both parts, as it shows its
 * unsubscribe link: CAN-SPAM (15 U.S.C. 7704(a)(5)(A)(iii)) and CASL require it in every
 * commercial email, and a reader of either part sees only that part. The address is a setting of
 * the deployment (`overture:senderPostalAddress`), printed as `{{ senderPostalAddress }}`.
 * A transactional email may print it and need not.
 */
function senderAddressProblems(journey: Journey, templatesDir: string): string[] {
  const problems: string[] = [];
  for (const node of journey.nodes) {
    if (node.type !== 'send' || node.topic === TRANSACTIONAL || !node.channels.includes('email')) continue;
    const parts = emailPartsReading(join(templatesDir, node.templateId), node.templateId, SENDER_POSTAL_ADDRESS);
    if (parts === undefined) continue; // templateProblems names missing files; the catalog check, syntax errors.
    const missing = EMAIL_BODY_PARTS.filter((part) => !parts.has(part));
    if (missing.length === 0) continue;
    const files = missing.map((part) => EMAIL_BODY_FILES[part]).join(' and ');
    problems.push(
      `${where(journey, node)}: template "${node.templateId}" is sent as marketing email (topic "${node.topic}") but ${files} do${missing.length === 1 ? 'es' : ''} not print {{ ${SENDER_POSTAL_ADDRESS} }}, the sender's postal address every marketing email must show; ` +
        `add it to the footer of both parts (in ${EMAIL_BODY_FILES['email.html']} as {{ ${SENDER_POSTAL_ADDRESS} | newline_to_br }}, which keeps its lines)`,
    );
  }
  return problems;
}

/**
 * A marketing letter carries the preference-centre link, as a marketing email carries its
 * unsubscribe link: on paper it is the customer's only way to stop the letters, or to choose
 * another channel, short of writing back. So the template's `mail.json` must list it among the
 * `mergeFields` every letter needs; an optional field would let a letter go out without it.
 */
function letterPreferenceLinkProblems(journey: Journey, templatesDir: string): string[] {
  const problems: string[] = [];
  for (const node of journey.nodes) {
    if (node.type !== 'send' || node.topic === TRANSACTIONAL || !node.channels.includes('mail')) continue;
    const required = requiredMergeFields(join(templatesDir, node.templateId, TEMPLATE_FILES.mail));
    if (required === undefined || required.includes(PREFERENCES_LINK)) continue; // templateProblems names a missing file; the catalog check, a malformed one.
    problems.push(
      `${where(journey, node)}: template "${node.templateId}" is sent as a marketing letter (topic "${node.topic}") but its ${TEMPLATE_FILES.mail} does not require "${PREFERENCES_LINK}"; ` +
        `add "${PREFERENCES_LINK}" to its mergeFields, so every letter prints the link to the preference centre`,
    );
  }
  return problems;
}

/** The `mergeFields` of the `mail.json` at `file`; undefined when it cannot be read or is not such a file. */
function requiredMergeFields(file: string): readonly unknown[] | undefined {
  try {
    const spec: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isRecord(spec) && Array.isArray(spec.mergeFields) ? spec.mergeFields : undefined;
  } catch {
    return undefined;
  }
}

const PREFERENCES_LINK = 'preferencesUrl';
const UNSUBSCRIBE_LINK = 'unsubscribeUrl';
const SENDER_POSTAL_ADDRESS = 'senderPostalAddress';
const EMAIL_BODY_PARTS = ['email.text', 'email.html'] as const;
const EMAIL_BODY_FILES: Readonly<Record<(typeof EMAIL_BODY_PARTS)[number], string>> = {
  'email.text': TEMPLATE_FILES.emailText,
  'email.html': TEMPLATE_FILES.emailHtml,
};

/** The email parts of the template in `folder` that read `variable`; undefined when they cannot be read or parsed. */
function emailPartsReading(folder: string, templateId: string, variable: string): ReadonlySet<TemplatePart> | undefined {
  try {
    const read = (file: string): string => readFileSync(join(folder, file), 'utf8');
    const email = { subject: read(TEMPLATE_FILES.emailSubject), html: read(TEMPLATE_FILES.emailHtml), text: read(TEMPLATE_FILES.emailText) };
    return partsReading(compileTemplate(templateId, { email }), variable);
  } catch {
    return undefined;
  }
}

/** Paths inside the project are shown relative to its root, so messages read the same everywhere. */
function shown(path: string): string {
  const inside = relative(PROJECT_ROOT, path);
  return inside.startsWith('..') ? path : inside;
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
