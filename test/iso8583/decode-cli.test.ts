import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { getDialect, MessageCodec } from '../../harness/iso8583';
import { encodeFrame } from '../../harness/net/framing';
import { computeMac, computeMacWith } from '../../harness/security/mac';
import { cupSale, genericRequest } from './samples';

const CLI = path.join(__dirname, '..', '..', 'harness', 'cli', 'main.js');
const MAK = Buffer.from('C24A8FB57AA20123', 'hex');
const TPDU = Buffer.from('6000030000', 'hex');
const HEADER = Buffer.from('603100000000', 'hex');

function run(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'decode', ...args], { input: input ?? '', encoding: 'utf8', timeout: 20000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('posfault decode (child process)', function () {
  this.timeout(30000);
  const cup = new MessageCodec(getDialect('cup-pos'));
  const saleBody = cup.packWithMac(cupSale(), (mab) => computeMac('cup-ecb', MAK, mab));
  const saleHex = encodeFrame(cup.dialect.framing, { tpdu: TPDU, header: HEADER, body: saleBody }).toString('hex');

  it('shows the framing and every field of a CUP sale, PAN masked and PIN block redacted', () => {
    const r = run([saleHex]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /framing +length 006C = 108 bytes follow/);
    assert.match(r.stdout, /TPDU +6000030000 +\(id 60, destination 0003, source 0000\)/);
    assert.match(r.stdout, /header +603100000000/);
    assert.match(r.stdout, /^MTI +0200 \(Financial request \(sale, void/m);
    assert.match(r.stdout, /^ +2 +Primary account number +n\.\.19 LL\(bcd\) lbcd +622202\*{9}0123$/m);
    assert.match(r.stdout, /^ +22 +Point of service entry mode +n3 lbcd +021$/m);
    assert.match(r.stdout, /^ +52 +PIN data +b8 binary +\[redacted 8 bytes\]$/m);
    assert.match(r.stdout, /^ +60 .* 22000001000$/m);
    assert.doesNotMatch(r.stdout, /6222021234567890123/);
    assert.doesNotMatch(r.stdout, /0123456789ABCDEF/i);
  });

  it('recomputes the MAC: valid (exit 0) with the right MAK, INVALID (exit 3) with another, and never prints the key', () => {
    const good = run([saleHex, '--mak', MAK.toString('hex')]);
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, /MAC +valid \(cup-ecb\)/);
    const bad = run([saleHex, '--mak', '0123456789ABCDEF', '--mac-alg', 'x9.9']);
    assert.equal(bad.status, 3, bad.stderr);
    assert.match(bad.stdout, /MAC +INVALID \(x9\.9\)/);
    assert.match(bad.stdout, /^ +4 +Amount, transaction/m, 'the fields are still shown');
    const badJson = run([saleHex, '--json', '--mak', '0123456789ABCDEF']);
    assert.equal(badJson.status, 3, badJson.stderr);
    assert.deepEqual(JSON.parse(badJson.stdout).mac, { algorithm: 'cup-ecb', padding: 1, field: 64, valid: false });
    const tampered = Buffer.from(saleHex, 'hex');
    tampered[13 + 24 + 5] ^= 0x01; // the last digit of field 4 (amount, body offset 24): still decodes, the MAC no longer does
    const moved = run([tampered.toString('hex'), '--mak', MAK.toString('hex')]);
    assert.equal(moved.status, 3, moved.stderr);
    assert.match(moved.stdout, /MAC +INVALID \(cup-ecb\)/);
    assert.doesNotMatch(good.stdout + bad.stdout + badJson.stdout + moved.stdout, /C24A8FB57AA20123|0123456789ABCDEF/i);
  });

  it('decodes with a dialect from a file, and refuses a broken dialect file naming each mistake (exit 2)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'posfault-decode-'));
    try {
      const own = path.join(dir, 'own.json');
      const dialect = { ...getDialect('iso87-ascii'), name: 'own-host' };
      writeFileSync(own, JSON.stringify(dialect));
      const body = new MessageCodec(dialect).pack(genericRequest());
      const r = run([body.toString('hex'), '--dialect', own]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^dialect +own-host$/m);
      assert.match(r.stdout, /^MTI +0200 \(Financial request\)$/m);
      assert.match(r.stdout, /^ +35 +Track 2 data /m);
      const broken = path.join(dir, 'broken.yaml');
      writeFileSync(broken, 'name: broken\nmti: { encoding: ebcdic }\nfields: { "1": { name: X } }\n');
      const b = run([body.toString('hex'), '--dialect', broken]);
      assert.equal(b.status, 2, b.stderr);
      assert.match(b.stderr, /broken\.yaml is not a valid dialect/);
      assert.match(b.stderr, /- mti\.encoding: /);
      assert.match(b.stderr, /- fields\.1: field numbers run 2\.\.128/);
      assert.match(b.stderr, /- framing: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads hex with spaces and newlines from stdin, and unmasks on request (never the PIN block)', () => {
    const spaced = saleHex.replace(/(.{2})/g, '$1 ').replace(/(.{48})/g, '$1\n');
    const r = run(['--unmask'], spaced);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /6222021234567890123/);
    assert.match(r.stdout, /\[redacted 8 bytes\]/);
  });

  it('prints JSON with --json, and takes a bare body with --framing none', () => {
    const r = run([saleBody.toString('hex'), '--json', '--framing', 'none', '--mak', MAK.toString('hex')]);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.framing, null);
    assert.equal(out.mti, '0200');
    assert.match(out.messageType, /^Financial request/);
    assert.equal(out.bitmap, '702404C000C09811');
    assert.deepEqual(out.mac, { algorithm: 'cup-ecb', padding: 1, field: 64, valid: true });
    const f4 = out.fields.find((f: { field: number }) => f.field === 4);
    assert.deepEqual(f4, { field: 4, name: 'Amount, transaction', format: 'n12 bcd', offset: 24, length: 6, value: '000000010000' });
    assert.equal(out.fields.find((f: { field: number }) => f.field === 2).value, '622202*********0123');
  });

  it('auto-detects a bare body, and decodes the generic dialect with track 2 masked', () => {
    const generic = new MessageCodec(getDialect('iso87-ascii'));
    const body = generic.pack(genericRequest());
    const r = run([body.toString('hex'), '--dialect', 'iso87-ascii']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /framing +none \(bare body\)/);
    assert.match(r.stdout, /^ +35 +Track 2 data .* 476173\*{6}0119=\*{4}$/m);
    assert.match(r.stdout, /^ +90 .* 020000004111211304550000012345600000000000$/m);
    assert.doesNotMatch(r.stdout, /4761739001010119/);
  });

  it('never prints field 62 key material, and names response codes', () => {
    const keys = Buffer.from('00112233445566778899AABBCCDDEEFF0123456789ABCDEFFEDCBA98765432100011223344556677', 'hex');
    const body = cup.pack({ mti: '0810', fields: { 11: '000001', 39: '00', 41: '12345678', 60: '00000001003', 62: keys } });
    for (const extra of [[], ['--unmask'], ['--json', '--unmask']]) {
      const r = run([body.toString('hex'), ...extra]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /\[redacted 40 bytes\]/);
      assert.doesNotMatch(r.stdout, /00112233|8899AABB|FEDCBA98/i);
    }
    assert.match(run([body.toString('hex')]).stdout, /^ +39 +Response code +an2 ascii +00 \(approved\)$/m);
  });

  it('exits 1 with field, offset and reason when the frame does not decode', () => {
    const damaged = Buffer.from(saleHex, 'hex');
    damaged[13 + 2 + 8 + 11] = 0x0a; // field 3's first byte: not BCD
    const r = run([damaged.toString('hex')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /field 3: BCD byte 0A is not two digits at byte 21 of the body \(byte 34 of the input\)/);
    const json = run([damaged.toString('hex'), '--json']);
    assert.equal(json.status, 1);
    assert.deepEqual(JSON.parse(json.stdout), { error: { field: 3, offset: 21, reason: 'BCD byte 0A is not two digits' } });
    const lie = run(['ffff' + saleHex.slice(4), '--framing', 'frame']);
    assert.equal(lie.status, 1);
    assert.match(lie.stderr, /frame length 65535 exceeds the maximum 4096 at byte 0 of the input/);
  });

  it('a truncated trace says why it is not a frame, not only why it is not a bare body', () => {
    const r = run([saleHex.slice(0, 60)]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /read as a frame it fails too: incomplete frame: 30 bytes, the length announces \d+/);
  });

  it('exits 2 on bad usage, without echoing a key', () => {
    const cases: [string[], RegExp][] = [
      [['--bogus', saleHex], /Unknown option/],
      [['12zz'], /not hex/],
      [['123'], /odd number of hex digits/],
      [[saleHex, '--framing', 'sometimes'], /--framing must be/],
      [[saleHex, '--dialect', 'no-such'], /not a built-in dialect/],
      [[saleHex, '--mak', 'C24A8FB57AA201'], /--mak must be 16 or 32 hex/],
      [[saleHex, '--mak', MAK.toString('hex'), '--mac-alg', 'x9.19'], /x9\.19 needs a 16-byte/],
      [[saleHex, '--mac-alg', 'md5', '--mak', MAK.toString('hex')], /--mac-alg must be one of/],
      [[], /no hex given/],
    ];
    for (const [args, reason] of cases) {
      const r = run(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, reason);
      assert.match(r.stderr, /usage: posfault decode/);
      assert.doesNotMatch(r.stderr, /C24A8FB57AA201/i);
    }
  });

  describe('MAC placement, padding and card data come from the dialect', () => {
    const KK = '0123456789ABCDEFFEDCBA9876543210';
    const generic = new MessageCodec(getDialect('iso87-ascii'));

    it('iso87-ascii: a MAC in 128 covers field 90; a changed digit of field 90 is INVALID (exit 3)', () => {
      const body = generic.packWithMac(genericRequest(), (mab) => computeMac('x9.19', Buffer.from(KK, 'hex'), mab));
      const good = run([body.toString('hex'), '--dialect', 'iso87-ascii', '--mak', KK]);
      assert.equal(good.status, 0, good.stderr);
      assert.match(good.stdout, /MAC +valid \(x9\.19, field 128\)/);
      const tampered = Buffer.from(body);
      tampered[body.indexOf('0200000041112113', 0, 'latin1') + 5] ^= 0x01;
      const bad = run([tampered.toString('hex'), '--dialect', 'iso87-ascii', '--mak', KK]);
      assert.equal(bad.status, 3, bad.stderr);
      assert.match(bad.stdout, /MAC +INVALID \(x9\.19, field 128\)/);
      assert.doesNotMatch(good.stdout + bad.stdout, new RegExp(KK, 'i'));
    });

    it('an X9.19 MAC with padding method 2 is valid only with --mac-padding 2', () => {
      const fields = { ...genericRequest().fields };
      delete fields[90];
      const body = generic.packWithMac({ mti: '0200', fields }, (mab) => computeMacWith({ algorithm: 'x9.19', padding: 2 }, Buffer.from(KK, 'hex'), mab));
      const hex = body.toString('hex');
      const plain = run([hex, '--dialect', 'iso87-ascii', '--mak', KK]);
      assert.equal(plain.status, 3, plain.stderr);
      const two = run([hex, '--dialect', 'iso87-ascii', '--mak', KK, '--mac-padding', '2']);
      assert.equal(two.status, 0, two.stderr);
      assert.match(two.stdout, /MAC +valid \(x9\.19, padding 2\)/);
      const json = run([hex, '--dialect', 'iso87-ascii', '--mak', KK, '--mac-padding', '2', '--json']);
      assert.deepEqual(JSON.parse(json.stdout).mac, { algorithm: 'x9.19', padding: 2, field: 64, valid: true });
    });

    it('takes padding and the cup-ecb double key from a dialect file', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'posfault-decode-'));
      try {
        const file = path.join(dir, 'cup-double.json');
        const d = getDialect('cup-pos');
        d.mac = { ...d.mac, keyBytes: 16, padding: 2, cupEcbKey: 'double' };
        writeFileSync(file, JSON.stringify(d));
        const key = Buffer.from(KK, 'hex');
        const body = cup.packWithMac(cupSale(), (mab) => computeMacWith(d.mac, key, mab));
        const r = run([body.toString('hex'), '--dialect', file, '--mak', KK]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /MAC +valid \(cup-ecb, padding 2, double key\)/);
        assert.equal(run([body.toString('hex'), '--dialect', file, '--mak', KK, '--cup-ecb-key', 'single']).status, 3);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('masks by the dialect: a PAN in a field marked pan, the PAN inside ans ICC hex text; 62 shown unless marked', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'posfault-decode-'));
      try {
        const file = path.join(dir, 'pan48.json');
        const d = getDialect('iso87-ascii');
        d.name = 'pan-in-48';
        d.fields['48'] = { ...d.fields['48'], sensitive: 'pan' };
        writeFileSync(file, JSON.stringify(d));
        const icc = '5A0A6222021234567890123F' + '9F36020042';
        const body = new MessageCodec(d).pack({ mti: '0200', fields: { 3: '000000', 48: '6222021234567890123', 55: icc, 62: 'BATCH 000001' } });
        const r = run([body.toString('hex'), '--dialect', file]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^ +48 .* 622202\*{9}0123$/m);
        assert.match(r.stdout, /^ +55 .* 5A0A622202\*{9}0123F9F36020042$/m);
        assert.match(r.stdout, /^ +62 .* BATCH 000001$/m);
        assert.doesNotMatch(r.stdout, /1234567890/);
        const clear = run([body.toString('hex'), '--dialect', file, '--unmask']);
        assert.match(clear.stdout, /^ +48 .* 6222021234567890123$/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('exits 2 on a bad --mac-padding or a cup-ecb key option with another algorithm', () => {
      const hex = generic.pack(genericRequest()).toString('hex');
      const cases: [string[], RegExp][] = [
        [['--mak', KK, '--mac-padding', '3'], /--mac-padding must be 1 or 2/],
        [['--mak', KK, '--cup-ecb-key', 'double'], /--cup-ecb-key applies to the cup-ecb MAC only/],
        [['--mac-padding', '2'], /--mac-padding needs --mak/],
      ];
      for (const [args, reason] of cases) {
        const r = run([hex, '--dialect', 'iso87-ascii', ...args]);
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, reason);
      }
    });
  });
});
