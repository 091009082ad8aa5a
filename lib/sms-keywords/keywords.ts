/**
 * The SMS keywords carriers and the CTIA handbook expect every sender to honour, and the reply
 * that confirms an SMS double opt-in. A text is a keyword when its whole body, ignoring case and
 * surrounding spaces, is one of them.
 */

/** Keywords that withdraw SMS consent. */
export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'] as const;
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

/** The keyword a text body is, in upper case, and what it asks for; undefined for any other text. */
export function smsKeywordOf(body: string): { readonly keyword: SmsKeyword; readonly action: SmsKeywordAction } | undefined {
  const keyword = body.trim().toUpperCase();
  const action = ACTIONS.get(keyword);
  return action === undefined ? undefined : { keyword: keyword as SmsKeyword, action };
}
