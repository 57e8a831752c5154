/**
 * Keeps secrets out of logs and error messages: the password in `redis://user:secret@host` (and
 * any other `scheme://user:password@` URL) becomes `***`.
 */

// Greedy up to the last "@" before the path: URL parsers split user info from the host at the
// last "@", so a password written with a raw "@" (redis://u:p@ss@host) is masked whole.
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/]*@/gi;

/** `text` with every URL password replaced by `***`. */
export function maskSecrets(text: string): string {
  if (!text.includes("@")) return text;
  return text.replace(URL_CREDENTIALS, "$1***@");
}

/** A URL safe to print: its password (if any) masked. */
export function maskUrl(url: string): string {
  return maskSecrets(url);
}
