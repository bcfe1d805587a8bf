import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/**
 * Addresses a route may not send to unless the operator's flag allows them: loopback, private, shared, link-local
 * (cloud metadata), multicast and reserved ranges. A route's author chooses the URL or mail host in their Secret;
 * without this, they could make the operator reach services only the cluster network can reach.
 */
const INTERNAL_V4 = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const;
const INTERNAL_V6 = [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const;

/** A destination a route may not use; the message names the host and the operator's flag. */
export class DestinationRefused extends Error {
  override readonly name = "DestinationRefused";
}

/** Parses `--notification-allowed-networks` (CIDRs, comma-separated); throws naming the bad entry. */
export function parseNetworks(text: string): { address: string; prefix: number }[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const [address = "", prefixText = ""] = part.split("/");
      const family = isIP(address);
      const prefix = Number(prefixText);
      if (family === 0 || !/^[0-9]{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) {
        throw new Error(`${part} is not a network in CIDR notation (such as 10.20.0.0/16 or fd00::/8)`);
      }
      return { address, prefix };
    });
}

/**
 * Decides where a route's host may be reached: resolves it once, refuses it when any address is internal and not
 * in the allowed networks, and returns the address to connect to (so a second resolution cannot change it).
 */
export class DestinationGuard {
  private readonly internal = new BlockList();
  private readonly allowed = new BlockList();

  constructor(allowedNetworks: readonly { address: string; prefix: number }[]) {
    for (const [address, prefix] of INTERNAL_V4) this.internal.addSubnet(address, prefix, "ipv4");
    for (const [address, prefix] of INTERNAL_V6) this.internal.addSubnet(address, prefix, "ipv6");
    for (const network of allowedNetworks) {
      this.allowed.addSubnet(network.address, network.prefix, isIP(network.address) === 4 ? "ipv4" : "ipv6");
    }
  }

  /** Whether one address may be reached. */
  permits(address: string): boolean {
    const family = isIP(address) === 4 ? "ipv4" : "ipv6";
    const v4 = family === "ipv6" ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
    if (v4 !== undefined) return this.permits(v4);
    return !this.internal.check(address, family) || this.allowed.check(address, family);
  }

  /** The address to connect to for `host`; throws {@link DestinationRefused} when it may not be reached. */
  async resolve(host: string): Promise<string> {
    const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
    const addresses = isIP(bare) !== 0 ? [bare] : (await lookup(bare, { all: true })).map((a) => a.address);
    const refused = addresses.find((address) => !this.permits(address));
    if (refused !== undefined || addresses[0] === undefined) {
      throw new DestinationRefused(
        `${bare} resolves to an internal address (${refused ?? "none"}), which routes may not reach unless ` +
          "the operator's --notification-allowed-networks includes it",
      );
    }
    return addresses[0];
  }
}
