/**
 * The SMS keywords carriers and the CTIA handbook expect every sender to honour. A text is a
 * keyword when its whole body, ignoring case and surrounding spaces, is one of them.
 */

/** Keywords that withdraw SMS consent. */
export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'] as const;
/** Keywords that give SMS consent again. */
export const OPT_IN_KEYWORDS = ['START', 'UNSTOP'] as const;
/** Keywords that ask for instructions. */
export const HELP_KEYWORDS = ['HELP'] as const;

export type SmsKeyword = (typeof OPT_OUT_KEYWORDS)[number] | (typeof OPT_IN_KEYWORDS)[number] | (typeof HELP_KEYWORDS)[number];

/** What a keyword asks for. */
export type SmsKeywordAction = 'opt_out' | 'opt_in' | 'help';

const ACTIONS: ReadonlyMap<string, SmsKeywordAction> = new Map<string, SmsKeywordAction>([
  ...OPT_OUT_KEYWORDS.map((keyword) => [keyword, 'opt_out'] as const),
  ...OPT_IN_KEYWORDS.map((keyword) => [keyword, 'opt_in'] as const),
  ...HELP_KEYWORDS.map((keyword) => [keyword, 'help'] as const),
]);

/** The keyword a text body is, in upper case, and what it asks for; undefined for any other text. */
export function smsKeywordOf(body: string): { readonly keyword: SmsKeyword; readonly action: SmsKeywordAction } | undefined {
  const keyword = body.trim().toUpperCase();
  const action = ACTIONS.get(keyword);
  return action === undefined ? undefined : { keyword: keyword as SmsKeyword, action };
}
