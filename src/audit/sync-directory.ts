import { open } from "node:fs/promises";

/** Makes a newly created file's directory entry durable too, so a crash cannot lose the whole file. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
