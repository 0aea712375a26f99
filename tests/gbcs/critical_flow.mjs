#!/usr/bin/env node
// What the DCC Boxed client does for a critical command, against a running `gbdsp serve`:
//   1. resolve certificates through gbdsp's SMKI service with @smartdcc/dccboxed-keystore;
//   2. send the CV 4 template, sign the PreCommand with gbcs-parser's signGroupingHeader and
//      the supplier's published ZAZ1 DS key;
//   3. send it back as CV 5 and decode the device's response with gbcs-decode.js.
// Then the tampering cases, each of which must be refused.
//
// Run by tests/gbcs/test_critical_node.py as a separate process (gbcs-parser and
// dccboxed-keystore are GPL-3.0: never imported into gbdsp). One JSON job on stdin:
//   {duis, smki, signer, receiverPort, keystore, parser, decoder, modules, keysDir,
//    counter, templates: [{name, xml}], tamper: name|null, otherDevice: name}
// One JSON report on stdout: {results: [{name, ok, stage, detail}], tamper: {...}}.
// DUIS XML signing (not under test here) is delegated to the test's signer URL.
import { createRequire } from 'node:module'
import { createServer } from 'node:http'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'

const job = JSON.parse(fs.readFileSync(0, 'utf-8'))
const require = createRequire(path.join(job.modules, 'noop.js'))
const { BoxedKeyStore, KeyUsage } = require('@smartdcc/dccboxed-keystore')
const { search } = require('@smartdcc/dccboxed-keystore/dist/certificateSearch')
const { signGroupingHeader } = require(path.join(job.parser, 'dist', 'index.js'))

const zaz1 = JSON.parse(fs.readFileSync(job.keystore, 'utf-8'))
const boxed = await BoxedKeyStore.new(job.smki)
const dashed = (eui) => eui.toLowerCase().replace(/[^0-9a-f]/g, '').replace(/(..)(?!$)/g, '$1-')
const bare = (eui) => eui.toLowerCase().replace(/[^0-9a-f]/g, '')

// -- certificates: devices and Users through the SMKI service, private keys from ZAZ1 ------
const resolved = new Map() // `${eui}-${ds|ka|pp-ka}` -> X509Certificate

async function deviceCertificates (eui) {
  for (const [usage, name] of [[KeyUsage.digitalSignature, 'ds'], [KeyUsage.keyAgreement, 'ka']]) {
    const found = await boxed.query({ eui: bare(eui), keyUsage: usage, lookup: 'certificate' })
    if (!found || found.length === 0) throw new Error(`SMKI has no ${name} certificate for ${eui}`)
    resolved.set(`${bare(eui)}-${name}`, found[0].certificate)
  }
}

async function organisationCertificates (eui) {
  for (const usage of ['DS', 'KA']) {
    const found = await search({ q: { CertificateSubjectName: dashed(eui) }, CertificateUsage: usage, CertificateStatus: 'I' }, job.smki)
    for (const { x509 } of found) {
      const key = privateKeyFor(eui, x509.serialNumber)
      const prepayment = key?.name?.includes('PP') ?? false
      resolved.set(`${bare(eui)}-${prepayment ? 'pp-' : ''}${usage.toLowerCase()}`, x509)
    }
  }
}

function privateKeyFor (eui, serialHex) {
  const serial = BigInt('0x' + serialHex).toString()
  for (const usage of Object.values(zaz1[bare(eui)] ?? {})) {
    if (usage[serial]) return usage[serial]
  }
  return null
}

// gbcs-parser key store: certificates as resolved above, private keys of the Users from ZAZ1
async function keyStore (eui, type, { privateKey, prePayment } = {}) {
  if (typeof eui !== 'string') eui = Buffer.from(eui).toString('hex')
  const stem = `${bare(eui)}-${prePayment ? 'pp-' : ''}${type.toLowerCase()}`
  const cert = resolved.get(stem)
  if (!cert) throw new Error(`no ${stem} certificate resolved`)
  if (!privateKey) return cert.publicKey
  const entry = privateKeyFor(eui, cert.serialNumber)
  if (!entry) throw new Error(`no private key for ${stem}`)
  return crypto.createPrivateKey(entry.privateKey)
}

// -- DUIS over HTTP -------------------------------------------------------------------------
const SR = 'http://www.dccinterface.co.uk/ServiceUserGateway'
const pushed = new Map() // ResponseID -> body
const receiver = createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf-8')
    const id = /<(?:sr:)?ResponseID>([^<]+)</.exec(body)?.[1]
    if (id) pushed.set(id, body)
    res.writeHead(200).end()
  })
})
await new Promise((resolve) => receiver.listen(job.receiverPort, '127.0.0.1', resolve))

async function signXml (xml) {
  const r = await fetch(job.signer, { method: 'POST', body: xml, headers: { 'content-type': 'application/xml' } })
  if (r.status !== 200) throw new Error(`signer: ${r.status} ${await r.text()}`)
  return await r.text()
}

async function send (service, xml) {
  const r = await fetch(`${job.duis}/api/v1/${service}`, { method: 'POST', body: await signXml(xml), headers: { 'content-type': 'application/xml' } })
  const text = await r.text()
  if (r.status !== 200) return { code: `HTTP ${r.status}`, text }
  return { code: /<(?:sr:)?ResponseCode>([^<]+)</.exec(text)?.[1], text }
}

const field = (xml, name) => new RegExp(`<(?:sr:)?${name}>([^<]*)<`).exec(xml)?.[1]
let counter = BigInt(job.counter)
function withCounter (xml, value) {
  return xml.replace(/(<(?:sr:)?RequestID>[^<]*:)(\d+)(<)/, `$1${value}$3`)
}

function signedPreCommand (cv4, requestId, payload) {
  return `<?xml version="1.0" encoding="UTF-8"?><sr:Request xmlns:sr="${SR}" schemaVersion="5.4"><sr:Header>` +
    `<sr:RequestID>${requestId}</sr:RequestID><sr:CommandVariant>5</sr:CommandVariant>` +
    `<sr:ServiceReference>${field(cv4, 'ServiceReference')}</sr:ServiceReference>` +
    `<sr:ServiceReferenceVariant>${field(cv4, 'ServiceReferenceVariant')}</sr:ServiceReferenceVariant>` +
    `</sr:Header><sr:Body><sr:SignedPreCommand><sr:GBCSPayload>${payload}</sr:GBCSPayload>` +
    '</sr:SignedPreCommand></sr:Body></sr:Request>'
}

async function transform (template) {
  const xml = withCounter(fs.readFileSync(template.xml, 'utf-8'), ++counter)
  const requestId = field(xml, 'RequestID')
  const [originator, device] = requestId.split(':')
  await deviceCertificates(device)
  await organisationCertificates(originator)
  const { code, text } = await send('serviceT', xml)
  if (code !== 'I0') throw Object.assign(new Error(`CV 4 answered ${code}`), { stage: 'cv4' })
  const pre = /<(?:sr:)?PreCommand>[\s\S]*?<(?:sr:)?GBCSPayload>([^<]+)</.exec(text)?.[1]
  if (!pre) throw Object.assign(new Error('no PreCommand GBCSPayload'), { stage: 'cv4' })
  return { xml, requestId, originator, device, pre }
}

function decode (messages) {
  fs.mkdirSync(job.keysDir, { recursive: true })
  for (const [stem, cert] of resolved) fs.writeFileSync(path.join(job.keysDir, `${stem}.pem`), cert.toString())
  const done = spawnSync(process.execPath, [job.decoder, '--keys', job.keysDir], { input: messages.join('\n') + '\n', encoding: 'utf-8' })
  return done.stdout.trim().split('\n').map((l) => JSON.parse(l))
}

async function waitFor (responseId, ms = 15000) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (pushed.has(responseId)) return pushed.get(responseId)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return null
}

async function flow (template) {
  let stage = 'cv4'
  try {
    const t = await transform(template)
    stage = 'sign'
    const signed = await signGroupingHeader(t.originator.replaceAll('-', ''), t.pre, keyStore)
    stage = 'cv5'
    const { code } = await send('serviceS', signedPreCommand(t.xml, t.requestId, signed))
    if (code !== 'I99') throw new Error(`CV 5 answered ${code}`)
    stage = 'response'
    const [originator, device, count] = t.requestId.split(':')
    const body = await waitFor(`${device}:${originator}:${count}`)
    if (!body) throw new Error('no device response pushed')
    const payload = field(body, 'GBCSPayload')
    if (!payload) throw new Error(`device response without GBCSPayload (${field(body, 'ResponseCode')})`)
    stage = 'decode'
    const [verdict] = decode([payload])
    const ok = verdict.ok && verdict.signature === 'valid'
    return { name: template.name, ok, stage: ok ? 'done' : 'decode', detail: verdict }
  } catch (e) {
    return { name: template.name, ok: false, stage: e.stage ?? stage, detail: String(e.message ?? e) }
  }
}

// Each tampered CV 5 must be refused with the code docs/gbcs.md gives, and execute nothing.
async function tamper (template) {
  const out = {}
  const t = await transform(template)
  const genuine = await signGroupingHeader(t.originator.replaceAll('-', ''), t.pre, keyStore)
  const cv5 = (payload, requestId = t.requestId) => send('serviceS', signedPreCommand(t.xml, requestId, payload))
  // signed by another User's key (the network operator's ZAZ1 DS key)
  const other = '90b3d51f30020000'
  await organisationCertificates(other)
  out.otherUser = (await cv5(await signGroupingHeader(other, t.pre, keyStore))).code
  // changed after signing: one octet of the content flipped
  const changed = Buffer.from(genuine, 'base64')
  changed[Buffer.from(t.pre, 'base64').length - 1] ^= 1
  out.changed = (await cv5(changed.toString('base64'))).code
  // signed for another device: a pre-command for the GSME sent under the ESME's transform
  const gsme = templates.find((x) => x.name === job.otherDevice)
  if (gsme) {
    const g = await transform(gsme)
    const forGsme = await signGroupingHeader(g.originator.replaceAll('-', ''), g.pre, keyStore)
    out.otherDevice = (await cv5(forGsme)).code
  }
  out.genuine = (await cv5(genuine)).code
  out.replayed = (await cv5(genuine)).code
  // a CV 5 with no transform
  const fresh = t.requestId.replace(/:\d+$/, `:${++counter}`)
  out.noTransform = (await cv5(genuine, fresh)).code
  out.requestId = t.requestId
  out.noTransformRequestId = fresh
  return out
}

const templates = job.templates
const results = []
for (const template of templates) results.push(await flow(template))
const tampered = job.tamper ? await tamper(templates.find((x) => x.name === job.tamper)) : null
await boxed.cleanup()
receiver.close()
console.log(JSON.stringify({ results, tamper: tampered }))
