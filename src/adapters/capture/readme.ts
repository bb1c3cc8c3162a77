/** The README.md every evidence bundle carries: what is in it and how to check it offline. */
export function bundleReadme(captureId: string): string {
  return `# Web capture ${captureId} · 网页取证包

This file is a WACZ 1.1.1 web archive (a ZIP file) made by a copyright-ledger service. It holds:

| path | what |
|---|---|
| \`archive/data.warc\` | WARC 1.1: every request and response the browser made |
| \`indexes/index.cdx\` | CDXJ index of the WARC |
| \`pages/pages.jsonl\` | the captured page |
| \`capture/screenshot.png\` | full-page screenshot |
| \`capture/page.pdf\` | the page printed to PDF |
| \`capture/recording.webm\` | screen recording of the browser session |
| \`capture/dom.html\` | the page's DOM when it was captured |
| \`capture/network.json\` | redirect chain, resolved and connected addresses, TLS certificate chains, refusals |
| \`capture/environment.json\`, \`.html\` | environment report: browser, OS, tools and their hashes, fresh profile, clock offset, node, operator, steps |
| \`datapackage.json\` | every file above with its size, SHA-256 (\`hash\`) and SM3 (\`sm3\`) |
| \`datapackage-digest.json\` | SHA-256 of \`datapackage.json\`, signed (ECDSA P-256, SHA-256) |

## Verify offline

    unzip -d bundle ${captureId}.wacz && cd bundle
    # 1. every file's SHA-256 against datapackage.json
    node -e 'const d=require("./datapackage.json");for(const r of d.resources)console.log(r.hash.slice(7)+"  "+r.path)' | sha256sum -c
    # 2. datapackage.json against the digest file
    sha256sum datapackage.json; grep '"hash"' datapackage-digest.json
    # 3. the signature: publicKey (base64 DER SPKI) over the UTF-8 text of "hash"
    node -e 'const s=require("./datapackage-digest.json").signedData;require("fs").writeFileSync("hash.txt",s.hash);require("fs").writeFileSync("sig.der",Buffer.from(s.signature,"base64"));require("fs").writeFileSync("pub.der",Buffer.from(s.publicKey,"base64"))'
    openssl pkey -pubin -inform DER -in pub.der -out pub.pem
    openssl dgst -sha256 -verify pub.pem -signature sig.der hash.txt

The bundle itself is deposited in the service's log: its SHA-256 is the \`work.sha256\` of the
deposit's evidence certificate, which verifies offline with \`copyright-ledger verify
certificate.json --file ${captureId}.wacz --key-file log.key\` (or the standalone
\`copyright-ledger-verify.mjs\`). Compare the signing key's fingerprint with the one the service
publishes (its documentation, docs/CAPTURE.md).

## Open it

Open https://replayweb.page, choose "Choose File…" and pick this \`.wacz\` file: the page replays
from the archive alone (nothing is fetched from the live site). Any ZIP tool opens the other files.
`;
}
