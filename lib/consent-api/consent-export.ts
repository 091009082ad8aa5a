/**
 * The consent export of one customer, for data-subject requests: every consent event with its
 * proof, the current state derived from them, preferences and suppressions. Contact details are
 * not part of it (they are not consent data, and the export is reachable by a link). The proofs
 * are consent data but personal too: a consent to texts names the number it was given for, and
 * each event the IP and user agent it came from, a consent to emails the address it is for. The
 * export a link opens reaches whoever holds the link, which travels in forwarded emails and on
 * postcards, and a link sent to a mistyped address keeps opening it after the CRM corrects the
 * address; so it shows a number's last four digits, an address's first character and domain, an
 * IP cut to its network and no user agent ({@link forLinkHolder}). Operators answering a request
 * by other means call exportConsents and read it whole.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { ConsentProof, ConsentState, Preferences, Suppression } from '../customer/model';
import type { CustomerStore } from '../store/customer-store';
import type { ConsentLedgerEntry } from '../store/records';

export interface ConsentExport {
  readonly customerId: string;
  readonly exportedAt: string;
  /** The latest consent per channel and topic. */
  readonly consents: readonly ConsentState[];
  /** Every consent event in time order, with its proof (who, when, where, how). */
  readonly ledger: readonly ConsentLedgerEntry[];
  readonly preferences: Preferences;
  readonly suppressions: readonly Suppression[];
}

/**
 * Reads the export: everything the store holds, whether or not the customer has a profile, since
 * ingest keeps consents with their proofs for a customer it knows no profile of yet (a CRM's
 * consent sync before the sign-up). A customer of whom nothing is stored gets the same shape with
 * nothing in it, so the export never tells whether a customer exists.
 */
export async function exportConsents(store: CustomerStore, customerId: string, now: Date): Promise<ConsentExport> {
  const [records, ledger] = await Promise.all([store.customerRecords(customerId), store.consentLedger(customerId)]);
  return {
    customerId,
    exportedAt: now.toISOString(),
    consents: records.consents,
    ledger,
    preferences: records.preferences,
    suppressions: records.suppressions,
  };
}

/** Digits of a number the export a link opens still shows: enough to tell one's numbers apart. */
const SHOWN_PHONE_DIGITS = 4;

/** `+12125550143` → `+•••••••0143`. */
export function maskedPhone(phone: string): string {
  const digits = phone.replace(/^\+/, '');
  return `+${'•'.repeat(Math.max(0, digits.length - SHOWN_PHONE_DIGITS))}${digits.slice(-SHOWN_PHONE_DIGITS)}`;
}

/** What stands for the rest of an address's local part: always three, so the length stays hidden. */
const HIDDEN_LOCAL_PART = '•••';

/**
 * `ana.private@example.com` → `a•••@example.com`: enough for a customer to tell their addresses
 * apart (the provider, the initial), not enough to write to one.
 */
export function maskedEmail(email: string): string {
  const at = email.lastIndexOf('@');
  // Every address a consent names is an email by its schema; anything else shows nothing of itself.
  if (at < 1) return HIDDEN_LOCAL_PART;
  return `${Array.from(email.slice(0, at))[0] ?? ''}${HIDDEN_LOCAL_PART}${email.slice(at)}`;
}

/** `record` with the number and the address it names masked. */
function maskContactsOf<T extends { readonly phone?: string; readonly email?: string }>(record: T): T {
  return {
    ...record,
    ...(record.phone === undefined ? {} : { phone: maskedPhone(record.phone) }),
    ...(record.email === undefined ? {} : { email: maskedEmail(record.email) }),
  };
}

/** IPv6 groups an export a link opens still shows: a /48, the size of one site's allocation. */
const SHOWN_IPV6_GROUPS = 3;

/** The eight 16-bit groups of an IPv6 address, or undefined for anything else. */
function ipv6Groups(ip: string): number[] | undefined {
  if (!isIPv6(ip)) return undefined;
  // An embedded IPv4 tail (`64:ff9b::198.51.100.23`) is the last two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  const tailGroups = (octets: RegExpExecArray): string =>
    [1, 3].map((at) => ((Number(octets[at]) << 8) | Number(octets[at + 1])).toString(16)).join(':');
  const text = dotted === null ? ip : `${ip.slice(0, dotted.index)}${tailGroups(dotted)}`;
  const [head = '', tail] = text.split('::');
  const part = (groups: string): number[] => (groups === '' ? [] : groups.split(':').map((group) => Number.parseInt(group, 16)));
  const front = part(head);
  const back = tail === undefined ? [] : part(tail);
  return [...front, ...Array.from({ length: 8 - front.length - back.length }, () => 0), ...back];
}

/**
 * `ip` cut to its network: an IPv4 address to its /24 (`198.51.100.23` → `198.51.100.0`, also
 * when mapped into IPv6 as `::ffff:198.51.100.23`), an IPv6 address to its /48
 * (`2001:db8:85a3:8d3::1` → `2001:db8:85a3::`); anything else (not an address) to nothing. It still tells a customer roughly where a change came from (a provider, a city), not
 * which household or device.
 */
export function truncatedIp(ip: string): string | undefined {
  if (isIPv4(ip)) return ip.replace(/\.\d+$/, '.0');
  // An IPv4 client as a dual-stack server sees it.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return truncatedIp(mapped);
  const groups = ipv6Groups(ip);
  if (groups === undefined) return undefined;
  return `${groups.slice(0, SHOWN_IPV6_GROUPS).map((group) => group.toString(16)).join(':')}::`;
}

/** `proof` as the export a link opens shows it: the number and the address masked, the IP cut to its network, no user agent. */
function proofForLinkHolder(proof: ConsentProof): ConsentProof {
  const { ip, userAgent: _userAgent, ...rest } = maskContactsOf(proof);
  const network = ip === undefined ? undefined : truncatedIp(ip);
  return network === undefined ? rest : { ...rest, ip: network };
}

/**
 * `exported` as the export a link opens shows it (see the module comment): every number a consent
 * or a proof names masked to its last four digits ({@link maskedPhone}), every email address to
 * its first character and domain ({@link maskedEmail}), every IP cut to its network
 * ({@link truncatedIp}), and no user agent, which can name the device and its owner ("Ana's
 * iPhone") and, with the full IP, single out a household.
 */
export function forLinkHolder(exported: ConsentExport): ConsentExport {
  return {
    ...exported,
    consents: exported.consents.map(maskContactsOf),
    ledger: exported.ledger.map((entry) => ({ ...entry, proof: proofForLinkHolder(entry.proof) })),
  };
}
