export async function history(_args: string[]): Promise<number> {
  return 2;
}
