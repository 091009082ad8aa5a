/**
 * The SMS keywords carriers and the CTIA handbook expect every sender to honour, and the reply
 * that confirms an SMS double opt-in. A keyword that grants, confirms or asks for help (START,
 * UNSTOP, YES, Y, HELP) counts only as the whole body, ignoring case and surrounding spaces: a
 * grant must be deliberate. An opt-out is read far more generously (smsKeywordOf), since under
 * the TCPA (FCC, 2024) a reply that uses such a word, or that a reasonable person would read as a
 * request to stop, revokes consent, and reading one too generously costs only texts the customer
 * can have back with START (and is told so by the confirmation).
 *
 * The rule, on the reply read as words (case, accents, full-width letters, apostrophes,
 * punctuation and emoji ignored; "opt out", "opt-out", "opt me out", "opt us out" read as OPTOUT,
 * "stop all" as STOPALL):
 * 1. a strong opt-out word — STOP, STOPALL, UNSUBSCRIBE, REVOKE, OPTOUT — anywhere in a reply of
 *    at most {@link SHORT_REPLY_MAX_WORDS} words ("Stop please", "stop!!! who is this", "Unsubscribe
 *    me"). In a longer message, which is a conversation rather than a reply, STOPALL, UNSUBSCRIBE,
 *    REVOKE and OPTOUT still count anywhere (they mean nothing else); STOP counts when it asks us to
 *    stop or stands alone: next to "please", followed by what we send ("…please stop", "…stop
 *    texting me"), next to another STOP ("…STOP STOP STOP"), or a sentence of its own, set off on
 *    both sides by sentence punctuation, a line break or an end of the message ("…I am asking you
 *    once: STOP.", "STOP. I never signed up…"); a colon counts before STOP but not after it, where
 *    it makes a label ("Stop: the blue house after the school"). Not "the bus stop", nor "Stop by
 *    the store";
 * 2. a weak one — CANCEL, END, QUIT, REMOVE, ARRET, TD, words with everyday meanings — only as the
 *    first word (after an optional "please"), every other word being about the sender, us or our
 *    texts ("Cancel", "Cancel please", "remove me from your mailing list", "quit texting me", "end
 *    these messages"). So "cancel my order" and "Can I cancel my appointment?" stay conversation: a
 *    reasonable person reads them as about an order, and a STOP in them would still count; "the
 *    end" and "end of the month" too.
 * Negation is not read: "don't stop" opts out, an accepted false positive (the confirmation says
 * how to opt back in). "STOP" inside a longer word ("unstoppable", "non-stop") is not the word.
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
 * body must be the word, as for every keyword but an opt-out, so "yes please" or "Y?" confirm nothing.
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
/** Apostrophes, dropped inside words: "don't" is DONT, "'stop'" is STOP. */
const APOSTROPHES = /['\u2019\u02bc]/gu;
/** Hyphens join a compound ("OPT-OUT", "non-stop"); every other character that is not a letter or a digit separates words. */
const BETWEEN_WORDS = /([^\p{L}\p{N}\-_\u2010\u2011]+)/u;
/** What ends a sentence between two words: sentence punctuation (after NFKD, "…" is "..." and "！" is "!") or a line break. */
const SENTENCE_BREAK = /[.!?:;\n\r\u00a1\u00bf\u3002]/u;
/** What ends a sentence after a word: as SENTENCE_BREAK but a colon, which after "Stop" makes it a label ("Stop: Main & 5th"). */
const SENTENCE_END = /[.!?;\n\r\u00a1\u00bf\u3002]/u;
const HYPHENS = /[-_\u2010\u2011]+/gu;
/** The opt-out keywords people also write as two words; the FCC names "opt out" among the per se reasonable revocations. */
const TWO_WORD_OPT_OUTS: ReadonlySet<string> = new Set(['STOPALL', 'OPTOUT']);

/** Phrases read as one opt-out word: OPT OUT, OPT ME OUT, OPT US OUT as OPTOUT, STOP ALL as STOPALL. */
const JOINED_PHRASES: ReadonlyArray<{ readonly words: readonly string[]; readonly as: string }> = [
  { words: ['OPT', 'OUT'], as: 'OPTOUT' },
  { words: ['OPT', 'ME', 'OUT'], as: 'OPTOUT' },
  { words: ['OPT', 'US', 'OUT'], as: 'OPTOUT' },
  { words: ['STOP', 'ALL'], as: 'STOPALL' },
];

/** Opt-out words that mean nothing else in a reply to a marketing text. */
const STRONG_OPT_OUTS: ReadonlySet<string> = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'REVOKE', 'OPTOUT']);
/** Strong opt-out words that count anywhere, however long the message. */
const UNAMBIGUOUS_OPT_OUTS: ReadonlySet<string> = new Set(['STOPALL', 'UNSUBSCRIBE', 'REVOKE', 'OPTOUT']);
/** Words in a reply beyond which it is a conversation, not a reply to a text. */
export const SHORT_REPLY_MAX_WORDS = 20;
const PLEASE: ReadonlySet<string> = new Set(['PLEASE', 'PLS', 'PLZ']);
/** What follows STOP when it asks us to stop, in a message of any length ("stop texting me", "stop it"). */
const WHAT_WE_SEND: ReadonlySet<string> = new Set([
  ...PLEASE, 'TEXTING', 'TEXTS', 'TEXT', 'SENDING', 'MESSAGING', 'MESSAGES', 'MSGS', 'CONTACTING', 'SPAMMING', 'ME', 'US', 'IT', 'THIS', 'THESE', 'THEM', 'NOW',
]);
/** Words about the sender, us and our texts: all a reply that opens with a weak opt-out word may hold besides it. */
const ABOUT_OUR_TEXTS: ReadonlySet<string> = new Set([
  ...WHAT_WE_SEND,
  'MY', 'OUR', 'NUMBER', 'PHONE', 'FROM', 'OFF', 'YOUR', 'THE', 'THAT', 'THOSE', 'ALL', 'LIST', 'LISTS', 'MAILING', 'CONTACT', 'CONTACTS', 'DATABASE',
  'MESSAGE', 'MSG', 'SMS', 'ALERT', 'ALERTS', 'NOTIFICATIONS', 'UPDATES', 'MARKETING', 'PROMOTIONS', 'PROMOS', 'OFFERS', 'ADS',
  'SUBSCRIPTION', 'SUBSCRIPTIONS', 'THANKS', 'THANK', 'YOU', 'THX', 'ASAP',
]);

/** A word of a text as the opt-out rule reads it. */
interface Word {
  readonly text: string;
  /** Whether the word opens a sentence: it is the first, or sentence punctuation or a line break comes before it. */
  readonly opensSentence: boolean;
  /** Whether the word ends a sentence: sentence punctuation other than a colon, or a line break, comes after it (the last word ends the message). */
  readonly endsSentence: boolean;
}

/**
 * The words of a text as the opt-out rule reads them, upper case, without accents or apostrophes;
 * "OPT-OUT" and "STOP-ALL" as one word, and OPT (ME|US) OUT and STOP ALL too.
 */
function wordsOf(body: string): Word[] {
  // NFKD both splits accents off their letters and folds full-width letters to plain ones.
  const folded = body.normalize('NFKD').replace(COMBINING_MARKS, '').replace(APOSTROPHES, '').toUpperCase();
  // Split on a captured separator: words at even indexes, what separates them at odd ones.
  const written: { text: string; opensSentence: boolean; endsSentence: boolean }[] = [];
  let opensSentence = true;
  folded.split(BETWEEN_WORDS).forEach((part, index) => {
    if (index % 2 === 1) {
      opensSentence ||= SENTENCE_BREAK.test(part);
      const last = written.at(-1);
      if (last !== undefined) last.endsSentence ||= SENTENCE_END.test(part);
      return;
    }
    const word = part.replace(/^[-_\u2010\u2011]+|[-_\u2010\u2011]+$/gu, '');
    if (word === '') return;
    written.push({ text: TWO_WORD_OPT_OUTS.has(word.replace(HYPHENS, '')) ? word.replace(HYPHENS, '') : word, opensSentence, endsSentence: false });
    opensSentence = false;
  });
  const words: Word[] = [];
  for (let index = 0; index < written.length; index += 1) {
    const word = written[index];
    if (word === undefined) continue;
    const phrase = JOINED_PHRASES.find((candidate) => candidate.words.every((text, offset) => written[index + offset]?.text === text));
    if (phrase === undefined) {
      words.push(word);
      continue;
    }
    // The phrase is one word, opening a sentence as its first word does and ending one as its last does.
    index += phrase.words.length - 1;
    words.push({ ...word, text: phrase.as, endsSentence: written[index]?.endsSentence === true });
  }
  return words;
}

/**
 * Whether the STOP at `index` of a message longer than a reply counts: "please" next to it, what
 * we send after it, another STOP next to it, or a sentence of its own (it opens a sentence, and
 * ends one too: the message ends, or sentence punctuation other than a colon or a line break
 * follows; "Stop: Main & 5th" is a label).
 */
function isStopRequest(words: readonly Word[], index: number): boolean {
  const [before, stop, after] = [words[index - 1], words[index], words[index + 1]];
  const ownSentence = stop?.opensSentence === true && (after === undefined || stop.endsSentence);
  return (
    ownSentence ||
    (before !== undefined && (PLEASE.has(before.text) || before.text === 'STOP')) ||
    (after !== undefined && (WHAT_WE_SEND.has(after.text) || after.text === 'STOP'))
  );
}

/** The opt-out a text asks for, by the rule of the module comment; undefined for any other text. */
function optOutKeywordOf(body: string): SmsKeyword | undefined {
  const words = wordsOf(body);
  const short = words.length <= SHORT_REPLY_MAX_WORDS;
  const strong = words.find(
    (word, index) => STRONG_OPT_OUTS.has(word.text) && (short || UNAMBIGUOUS_OPT_OUTS.has(word.text) || isStopRequest(words, index)),
  );
  if (strong !== undefined) return strong.text as SmsKeyword;
  const texts = words.map((word) => word.text);
  const [first, ...rest] = texts[0] !== undefined && PLEASE.has(texts[0]) ? texts.slice(1) : texts;
  if (first === undefined || ACTIONS.get(first) !== 'opt_out') return undefined;
  return rest.every((word) => ABOUT_OUR_TEXTS.has(word)) ? (first as SmsKeyword) : undefined;
}

/**
 * The keyword a text body is, in upper case, and what it asks for; undefined for any other text.
 * Keywords that grant, confirm or ask for help (START, YES, HELP) must be the whole body, ignoring
 * case and surrounding spaces; an opt-out is read in a sentence too (see the module
 * comment), since withdrawing is always safe. For a sentence, the keyword is the opt-out word it
 * was read by.
 */
export function smsKeywordOf(body: string): { readonly keyword: SmsKeyword; readonly action: SmsKeywordAction } | undefined {
  const keyword = body.trim().toUpperCase();
  const action = ACTIONS.get(keyword);
  if (action !== undefined) return { keyword: keyword as SmsKeyword, action };
  const optOut = optOutKeywordOf(body);
  return optOut === undefined ? undefined : { keyword: optOut, action: 'opt_out' };
}

/**
 * The opt-out keywords End User Messaging requires on every number ("Required opt-out keywords"):
 * it matches each when it is the whole text, opts the number out and answers with its own opt-out
 * message.
 */
const PROVIDER_OPT_OUT_KEYWORDS: ReadonlySet<string> = new Set(['ARRET', 'CANCEL', 'END', 'OPT-OUT', 'OPTOUT', 'QUIT', 'REMOVE', 'STOP', 'TD', 'UNSUBSCRIBE']);

/**
 * Whether End User Messaging answered an inbound opt-out itself, with its own opt-out message: the
 * body is, ignoring case and surrounding spaces, one of the keywords it requires on every number,
 * or `reportedKeyword` (the payload's `messageKeyword`) names an opt-out keyword it matched (it
 * matches a text that begins with a keyword, and a number may have opt-out keywords added).
 */
export function providerAnsweredOptOut(body: string, reportedKeyword: string | undefined): boolean {
  const reported = reportedKeyword?.trim().toUpperCase();
  return (
    PROVIDER_OPT_OUT_KEYWORDS.has(body.trim().toUpperCase()) ||
    (reported !== undefined && (PROVIDER_OPT_OUT_KEYWORDS.has(reported) || ACTIONS.get(reported) === 'opt_out'))
  );
}
