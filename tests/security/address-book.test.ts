// The address book maps authenticated names to e-mail addresses: a route to a role mails each member there. Whoever
// could write it could map alice's name to his own address and read her approval mail. Only administrators may: no
// shipped role grants a verb on AddressBooks, and as a cluster-scoped kind no namespace RoleBinding can. Each
// identity below tries, with the rights a team gets in its namespace (release manager, notification editor), and the
// operator, which only lists books. Real API server with the shipped RBAC.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { addressBookKind } from "../../src/api/v1alpha1/address-book.js";
import { resourceOf } from "../../src/api/v1alpha1/resource-type.js";
import { isForbidden } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import type { IdentityName } from "../../hack/local-cluster/identities.js";
import { clientFor, createTestNamespace } from "../support/kube.js";
import { coreResources } from "../support/core-resources.js";

const addressBooks = resourceOf(addressBookKind);
const roleBinding = coreResources.roleBinding;

describe("only administrators write the address book", { timeout: 120_000 }, () => {
  const id = randomBytes(3).toString("hex");
  const book = `people-${id}`;
  let admin: KubeClient;
  let namespace = "";

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "address-book");
    // Everything a team may be given in its namespace, to bob and mallory alike.
    for (const user of ["bob", "mallory"]) {
      for (const role of ["stagegate-release-manager", "stagegate-notification-editor"]) {
        await admin.create(
          roleBinding,
          {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: `${user}-${role}` },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
          },
          namespace,
        );
      }
    }
    await admin.create(addressBooks, {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "AddressBook",
      metadata: { name: book },
      spec: { users: [{ name: "alice", email: "alice@example.com" }] },
    });
  });
  after(async () => {
    await admin?.delete(addressBooks, book).catch(() => undefined);
    await admin?.delete(builtin.namespace, namespace).catch(() => undefined);
    admin?.close();
  });

  const forbidden = async (attempt: Promise<unknown>, what: string): Promise<void> => {
    const error = await attempt.then(
      () => assert.fail(`${what} was allowed`),
      (err: unknown) => err as Error,
    );
    assert.ok(isForbidden(error), `${what}: ${error.message}`);
    assert.match(error.message, /addressbooks/, what);
  };

  const attackers: IdentityName[] = ["bob", "mallory", "dave", "erin", "carol", "operator"];
  for (const who of attackers) {
    it(`refuses ${who} mapping alice's name to his own address, in a new book or the existing one`, async () => {
      const client = await clientFor(who);
      try {
        const mine = { name: "alice", email: `${who}@attacker.example` };
        await forbidden(
          client.create(addressBooks, {
            apiVersion: "stagegate.io/v1alpha1",
            kind: "AddressBook",
            metadata: { name: `${book}-${who}` },
            spec: { users: [mine] },
          }),
          `${who} creating an AddressBook`,
        );
        await forbidden(
          client.patch(addressBooks, book, undefined, { spec: { users: [mine] } }, { type: "merge" }),
          `${who} patching the AddressBook`,
        );
        await forbidden(client.delete(addressBooks, book), `${who} deleting the AddressBook`);
      } finally {
        client.close();
      }
      const stored = await admin.get(addressBooks, book);
      assert.deepEqual((stored.spec as { users: unknown }).users, [
        { name: "alice", email: "alice@example.com" },
      ]);
    });
  }

  it("lets the operator list the books it mails from, and nobody else read them by the shipped roles", async () => {
    const operator = await clientFor("operator");
    const bob = await clientFor("bob");
    try {
      const listed = await operator.list(addressBooks);
      assert.ok(listed.items.some((item) => item.metadata.name === book));
      await forbidden(bob.list(addressBooks), "bob listing AddressBooks");
    } finally {
      operator.close();
      bob.close();
    }
  });
});
