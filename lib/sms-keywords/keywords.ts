/**
 * The SMS keywords carriers and the CTIA handbook expect every sender to honour, and the reply
 * that confirms an SMS double opt-in. A text is a keyword when its whole body, ignoring case and
 * surrounding spaces, is one of them; an opt-out also through the punctuation around it, without
 * its accents and as two words (smsKeywordOf).
 */

/**
 * Keywords that withdraw SMS consent: every one End User Messaging requires ("Required opt-out
 * keywords": ARRET, CANCEL, END, OPT-OUT, OPTOUT, QUIT, REMOVE, STOP, TD, UNSUBSCRIBE), on which
 * the provider opts the number out, so the consent ledger must revoke on each of them too; and
 * STOPALL and REVOKE (CTIA, FCC). OPT-OUT is OPTOUT written as two words, read as OPTOUT.
 */
export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'ARRET', 'REMOVE', 'TD'] as const;
/** Keywords that give SMS consent again. */
export const OPT_IN_KEYWORDS = ['START', 'UNSTOP'] as const;
/**
 * Replies that confirm a pending SMS request (double opt-in): YES, which the confirmation text
 * asks for, and Y, its usual short form. Nothing looser ("ok", "sure", "yeah"): those are
 * everyday answers to any text, and only a deliberate yes may grant marketing texts. The whole
 * body must be the word, as for every keyword, so "yes please" or "Y?" confirm nothing.
 */
export const CONFIRM_KEYWORDS = ['YES', 'Y'] as const;
/** Keywords that ask for instructions. */
export const HELP_KEYWORDS = ['HELP'] as const;

export type SmsKeyword =
  | (typeof OPT_OUT_KEYWORDS)[number]
  | (typeof OPT_IN_KEYWORDS)[number]
  | (typeof CONFIRM_KEYWORDS)[number]
  | (typeof HELP_KEYWORDS)[number];

/** What a keyword asks for. */
export type SmsKeywordAction = 'opt_out' | 'opt_in' | 'confirm' | 'help';

const ACTIONS: ReadonlyMap<string, SmsKeywordAction> = new Map<string, SmsKeywordAction>([
  ...OPT_OUT_KEYWORDS.map((keyword) => [keyword, 'opt_out'] as const),
  ...OPT_IN_KEYWORDS.map((keyword) => [keyword, 'opt_in'] as const),
  ...CONFIRM_KEYWORDS.map((keyword) => [keyword, 'confirm'] as const),
  ...HELP_KEYWORDS.map((keyword) => [keyword, 'help'] as const),
]);

/** Combining marks, which decomposition splits off letters: "Arrêt" is ARRET with a circumflex. */
const COMBINING_MARKS = /\p{M}/gu;
/** Punctuation, symbols (emoji, with their variation selectors), invisible format characters and spaces around an opt-out word. */
const AROUND_THE_WORDS = /^[\s\p{P}\p{S}\p{M}\p{Cf}]+|[\s\p{P}\p{S}\p{M}\p{Cf}]+$/gu;
/** What people put between the words of a two-word opt-out ("STOP ALL", "OPT-OUT"). */
const BETWEEN_WORDS = /[\s\-_\u2010-\u2015]+/u;
/** The opt-out keywords people also write as two words; the FCC names "opt out" among the per se reasonable revocations. */
const TWO_WORD_OPT_OUTS: ReadonlySet<string> = new Set(['STOPALL', 'OPTOUT']);

/**
 * The opt-out keyword a text is when read as people type it: "Stop.", "STOP!", "stop 🛑",
 * "Stop all", "opt out", "Opt-Out", "Arrêt" (accents dropped: French keyboards write ARRET so, and
 * the provider takes it as ARRET), or in full-width letters. A withdrawal must be honoured
 * however it is written (TCPA: revocation by any reasonable means, and these words are per se
 * reasonable), and reading one too generously costs at most a text the customer did not want
 * anyway. Only the punctuation around the word and one separator inside a two-word keyword are
 * forgiven: "stop please" or "S T O P" stay ordinary texts.
 */
function optOutKeywordOf(body: string): SmsKeyword | undefined {
  // NFKD both splits accents off their letters and folds full-width letters to plain ones.
  const words = body.normalize('NFKD').replace(COMBINING_MARKS, '').toUpperCase().replace(AROUND_THE_WORDS, '').split(BETWEEN_WORDS);
  const keyword = words.join('');
  if (words.length > 2 || (words.length === 2 && !TWO_WORD_OPT_OUTS.has(keyword))) return undefined;
  return ACTIONS.get(keyword) === 'opt_out' ? (keyword as SmsKeyword) : undefined;
}

/**
 * The keyword a text body is, in upper case, and what it asks for; undefined for any other text.
 * Keywords that grant or confirm (START, YES) must be the whole body, ignoring case and
 * surrounding spaces; an opt-out is also read through the punctuation and spelling people use
 * (see optOutKeywordOf), since withdrawing is always safe.
 */
export function smsKeywordOf(body: string): { readonly keyword: SmsKeyword; readonly action: SmsKeywordAction } | undefined {
  const keyword = body.trim().toUpperCase();
  const action = ACTIONS.get(keyword);
  if (action !== undefined) return { keyword: keyword as SmsKeyword, action };
  const optOut = optOutKeywordOf(body);
  return optOut === undefined ? undefined : { keyword: optOut, action: 'opt_out' };
}
