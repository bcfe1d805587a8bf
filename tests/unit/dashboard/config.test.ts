// `stagegate-dashboard` flags: parsed once at the entry point; each bad flag is refused with its name and the fix.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DashboardConfigError, parseDashboardConfig } from "../../../src/dashboard/config.js";

describe("parseDashboardConfig", () => {
  it("has defaults that serve HTTPS on :8443 with 15 minute sessions", () => {
    const config = parseDashboardConfig([]);
    assert.equal(config.address, ":8443");
    assert.equal(config.certFile, "/tmp/k8s-dashboard-certs/tls.crt");
    assert.equal(config.sessionIdleSeconds, 900);
    assert.equal(config.tokenRecheckSeconds, 60);
    assert.deepEqual(config.namespaces, []);
  });

  it("reads every flag", () => {
    const config = parseDashboardConfig([
      "--kubeconfig=/k",
      "--address=127.0.0.1:0",
      "--cert-dir=/certs",
      "--namespaces=team-a, team-b",
      "--session-idle=1h",
      "--token-recheck=30s",
      "--audit-feed-url=https://feed.example:9445",
      "--audit-feed-ca=/ca.crt",
      "--proxy-address=127.0.0.1:8444",
      "--proxy-client-ca=/proxy-ca.crt",
      "--proxy-allowed-names=oauth2-proxy, front-proxy",
      "--log-level=debug",
      "--home-cluster=eu-central",
      "--cluster=us-east=/etc/clusters/us-east.kubeconfig",
      "--cluster",
      "ap-south=/etc/clusters/ap=south.kubeconfig",
      "--cluster-same-token=us-east",
      "--cluster-namespaces=us-east=payments, checkout",
    ]);
    assert.deepEqual(config, {
      kubeconfig: "/k",
      address: "127.0.0.1:0",
      certFile: "/certs/tls.crt",
      keyFile: "/certs/tls.key",
      namespaces: ["team-a", "team-b"],
      sessionIdleSeconds: 3600,
      tokenRecheckSeconds: 30,
      auditFeed: { url: "https://feed.example:9445", caFile: "/ca.crt" },
      proxy: {
        address: "127.0.0.1:8444",
        clientCaFile: "/proxy-ca.crt",
        allowedNames: ["oauth2-proxy", "front-proxy"],
      },
      homeCluster: "eu-central",
      clusters: [
        {
          name: "us-east",
          kubeconfig: "/etc/clusters/us-east.kubeconfig",
          sameToken: true,
          namespaces: ["payments", "checkout"],
        },
        { name: "ap-south", kubeconfig: "/etc/clusters/ap=south.kubeconfig", sameToken: false },
      ],
      logLevel: "debug",
    });
  });

  it("reads each other cluster's audit feed and its CA", () => {
    const config = parseDashboardConfig([
      "--cluster=east=/etc/clusters/east.kubeconfig",
      "--cluster=west=/etc/clusters/west.kubeconfig",
      "--cluster-audit-feed=east=https://stagegate-audit-feed.east.example:9445",
      "--cluster-audit-feed-ca=east=/etc/clusters/east-feed-ca.crt",
    ]);
    assert.deepEqual(config.clusters, [
      {
        name: "east",
        kubeconfig: "/etc/clusters/east.kubeconfig",
        sameToken: false,
        auditFeed: {
          url: "https://stagegate-audit-feed.east.example:9445",
          caFile: "/etc/clusters/east-feed-ca.crt",
        },
      },
      { name: "west", kubeconfig: "/etc/clusters/west.kubeconfig", sameToken: false },
    ]);
  });

  const refused: [argv: string[], message: RegExp][] = [
    [["--bogus"], /Unknown option '--bogus'; see --help/],
    [["--address=8443x"], /--address must be host:port/],
    [["--namespaces=Team_A"], /--namespaces must be namespace names/],
    [["--session-idle=soon"], /--session-idle must be a duration/],
    [["--session-idle=10s"], /--session-idle must be at least 1m/],
    [["--token-recheck=often"], /--token-recheck must be a duration/],
    [["--token-recheck=2h"], /--token-recheck must be at most 1h/],
    [["--audit-feed-url=http://feed.example:9445"], /--audit-feed-url must be an https:\/\/ URL/],
    [["--audit-feed-url=https://feed.example/audit/v1/records"], /must name only the feed's origin/],
    [["--audit-feed-ca=/ca.crt"], /--audit-feed-ca needs --audit-feed-url/],
    [["--proxy-address=:8444"], /--proxy-address needs --proxy-client-ca/],
    [
      ["--cluster=/etc/b.kubeconfig"],
      /--cluster "\/etc\/b.kubeconfig" is not NAME=KUBECONFIG; write for example/,
    ],
    [["--cluster=East=/b"], /--cluster "East=\/b" is not NAME=KUBECONFIG/],
    [["--cluster=east="], /--cluster "east=" is not NAME=KUBECONFIG/],
    [["--cluster=home=/b"], /--cluster home=\.\.\. names the home cluster \(--home-cluster home\)/],
    [["--cluster=b=/b", "--cluster=b=/c"], /--cluster b=\.\.\. is given twice/],
    [["--cluster=b=/b", "--cluster-same-token=c"], /--cluster-same-token names "c", which no --cluster/],
    [
      ["--cluster=b=/b", "--cluster-namespaces=b"],
      /--cluster-namespaces "b" is not NAME=NAMESPACE,NAMESPACE/,
    ],
    [["--cluster=b=/b", "--cluster-namespaces=b=Team_A"], /--cluster-namespaces "b=Team_A" is not NAME=/],
    [["--cluster=b=/b", "--cluster-namespaces=c=x"], /--cluster-namespaces names "c", which no --cluster/],
    [["--home-cluster=Home"], /--home-cluster "Home" is not a cluster name/],
    [["--proxy-address=:8444", "--proxy-client-ca=/ca"], /--proxy-address needs --proxy-allowed-names/],
    [["--proxy-client-ca=/ca"], /--proxy-client-ca needs --proxy-address/],
    [
      ["--proxy-address=x", "--proxy-client-ca=/ca", "--proxy-allowed-names=p"],
      /--proxy-address must be host:port/,
    ],
    [["--log-level=loud"], /--log-level must be debug, info, warn or error/],
    [
      ["--cluster=b=/b", "--cluster-audit-feed=c=https://feed.c:9445"],
      /--cluster-audit-feed names "c", which no --cluster NAME=KUBECONFIG configures/,
    ],
    [
      ["--cluster=b=/b", "--cluster-audit-feed=b=http://feed.b:9445"],
      /--cluster-audit-feed b="http:\/\/feed.b:9445" must be an https:\/\/ URL; give the origin of that cluster's/,
    ],
    [
      ["--cluster=b=/b", "--cluster-audit-feed=b=https://feed.b:9445/audit/v1/records"],
      /--cluster-audit-feed b=.* must name only the feed's origin/,
    ],
    [
      ["--cluster=b=/b", "--cluster-audit-feed=b=https://ann:pw@feed.b:9445"],
      /--cluster-audit-feed b=.* must carry no user or password/,
    ],
    [
      ["--cluster=b=/b", "--cluster-audit-feed=https://feed.b:9445"],
      /--cluster-audit-feed "https:\/\/feed.b:9445" is not NAME=URL; write for example --cluster-audit-feed eu-west=/,
    ],
    [
      ["--cluster=b=/b", "--cluster-audit-feed=b=https://x:1", "--cluster-audit-feed=b=https://y:1"],
      /--cluster-audit-feed b=\.\.\. is given twice/,
    ],
    [
      ["--cluster=b=/b", "--cluster-audit-feed-ca=b=/ca.crt"],
      /--cluster-audit-feed-ca b=\.\.\. needs --cluster-audit-feed b=URL/,
    ],
    [
      ["--cluster=b=/b", "--cluster-audit-feed=b=https://x:1", "--cluster-audit-feed-ca=/ca.crt"],
      /--cluster-audit-feed-ca "\/ca.crt" is not NAME=FILE/,
    ],
  ];
  for (const [argv, message] of refused) {
    it(`refuses ${argv.join(" ")}`, () => {
      assert.throws(
        () => parseDashboardConfig(argv),
        (err: unknown) => err instanceof DashboardConfigError && message.test(err.message),
      );
    });
  }
});
