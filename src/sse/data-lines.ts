/**
 * Counts `data:` lines in a byte stream as it arrives, whatever the read boundaries: a cheap measure of how far a
 * stream has gone, for cutting one that runs past what its request allows. Pure and constant in memory.
 */
const LF = 0x0a;
const CR = 0x0d;
const DATA = [0x64, 0x61, 0x74, 0x61, 0x3a]; // "data:"

export function createDataLineCounter(): { feed(bytes: Uint8Array): number } {
  let count = 0;
  // How many bytes of "data:" the current line has matched so far; -1 once the line cannot start with it.
  let matched = 0;
  return {
    feed(bytes) {
      for (const byte of bytes) {
        if (byte === LF || byte === CR) {
          matched = 0;
        } else if (matched >= 0 && matched < DATA.length) {
          matched = byte === DATA[matched] ? matched + 1 : -1;
          if (matched === DATA.length) count += 1;
        }
      }
      return count;
    },
  };
}
