/**
 * Parsers of command-line option values, for commander's `.option(flags, description, parser)`:
 * each returns the value or throws commander's InvalidArgumentError saying what the value must be
 * (commander names the option and the value given), so a bad value stops the command before it
 * writes anything. Digits only where a whole number is asked for: `Number('')` is 0, and an empty
 * `--port ''` or `--customers ''` should not quietly mean 0.
 */
import { statSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

const DIGITS = /^\d+$/;

/** A port number, 0 asking the system for a free one. */
export function portNumber(value: string): number {
  const number = Number(value);
  if (!DIGITS.test(value) || number > 65535) throw new InvalidArgumentError('must be a port number 0–65535');
  return number;
}

/** A finite number above 0. */
export function positiveNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('must be a positive number');
  return number;
}

/** A parser of whole numbers from 0 to `max`. */
export function wholeNumberUpTo(max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!DIGITS.test(value) || number > max) throw new InvalidArgumentError(`must be a whole number 0–${max}`);
    return number;
  };
}

/** A folder's path: not empty, since an empty one would be the current folder. */
export function folderPath(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must name a folder (an empty path would be the current folder)');
  return value;
}

/**
 * A folder a command writes into (the cloud assembly of `--cdk-out`): a folder's path (see
 * {@link folderPath}) where no file is, since a file cannot be written into.
 */
export function outputFolderPath(value: string): string {
  folderPath(value);
  // Synchronous: commander's parsers are; this runs once, before the command.
  if (statSync(value, { throwIfNoEntry: false })?.isDirectory() === false) throw new InvalidArgumentError('is a file: must name a folder, a new one or one of its own');
  return value;
}
