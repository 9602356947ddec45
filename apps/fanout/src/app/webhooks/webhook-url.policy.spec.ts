import { checkAddress, isValidCidr, parseAllowList, parseWebhookUrl } from './webhook-url.policy';

/** The URL as the guard sees it: parsed, then its literal host checked. */
function verdictFor(raw: string, allow: string[] = []): string {
  const parsed = parseWebhookUrl(raw);
  if (!parsed.ok) return `invalid: ${parsed.reason}`;
  if (!parsed.literal) return 'needs dns';
  const verdict = checkAddress(parsed.host, parseAllowList(allow));
  return verdict.allowed ? 'allowed' : 'forbidden';
}

describe('webhook URL policy (SSRF)', () => {
  it.each([
    'http://127.0.0.1/',
    'http://127.1/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://0x7f.0.0.1/',
    'http://0x7f000001/',
    'http://127.000.000.001/',
    'http://[::1]/',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://0.0.0.0/',
    'http://0/',
    'http://10.0.0.1/',
    'http://10.1/',
    'http://167772161/',
    'http://172.16.5.4/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0251.0376.0251.0376/',
    'http://[::ffff:169.254.169.254]/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://[fc00::1]/',
    'http://[::]/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://[ff02::1]/',
    'http://[64:ff9b::a00:1]/',
    'http://[2002:7f00:1::]/',
  ])('refuses %s', (url) => {
    expect(verdictFor(url)).toBe('forbidden');
  });

  it.each(['http://93.184.216.34/', 'https://8.8.8.8:8443/hook', 'http://[2606:4700:4700::1111]/', 'http://[::ffff:8.8.8.8]/'])('accepts the public address %s', (url) => {
    expect(verdictFor(url)).toBe('allowed');
  });

  it.each(['ftp://example.com/', 'file:///etc/passwd', 'gopher://example.com/', 'javascript:alert(1)', 'not a url', '/relative', 'http://user:pw@example.com/'])(
    'refuses the URL %s',
    (url) => {
      expect(verdictFor(url)).toMatch(/^invalid: /);
    },
  );

  it('leaves host names to DNS (checked on every resolution)', () => {
    expect(verdictFor('https://hooks.example.com/in')).toBe('needs dns');
    expect(verdictFor('http://localhost:8080/')).toBe('needs dns');
  });

  it('lets an allow-list open exactly its ranges, in any spelling', () => {
    const allow = ['127.0.0.1/32'];
    expect(verdictFor('http://127.0.0.1:9000/', allow)).toBe('allowed');
    expect(verdictFor('http://127.1/', allow)).toBe('allowed');
    expect(verdictFor('http://[::ffff:127.0.0.1]/', allow)).toBe('allowed');
    expect(verdictFor('http://127.0.0.2/', allow)).toBe('forbidden');
    expect(verdictFor('http://2130706434/', allow)).toBe('forbidden');
    expect(verdictFor('http://[::1]/', allow)).toBe('forbidden');
    expect(verdictFor('http://10.0.0.1/', allow)).toBe('forbidden');
  });

  it('handles IPv6 and IPv4-mapped allow-lists', () => {
    expect(verdictFor('http://[fd12::5]/', ['fd12::/16'])).toBe('allowed');
    expect(verdictFor('http://10.9.8.7/', ['::ffff:10.0.0.0/104'])).toBe('allowed');
    expect(verdictFor('http://10.9.8.7/', ['10.0.0.0/8'])).toBe('allowed');
    expect(verdictFor('http://11.9.8.7/', ['10.0.0.0/8'])).toBe('allowed'); // public anyway
    expect(verdictFor('http://192.168.0.1/', ['10.0.0.0/8'])).toBe('forbidden');
  });

  it('checks DNS answers, including IPv6 ones', () => {
    expect(checkAddress('::1', [])).toEqual({ allowed: false, reason: 'the address is in a forbidden range (loopback)' });
    expect(checkAddress('::ffff:10.0.0.1', [])).toEqual({ allowed: false, reason: 'the address is in a forbidden range (private)' });
    expect(checkAddress('2606:4700::1', [])).toEqual({ allowed: true });
    expect(checkAddress('nonsense', [])).toMatchObject({ allowed: false });
  });

  it.each([
    ['::7f00:1', 'IPv4-compatible'],
    ['::a00:1', 'IPv4-compatible'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['64:ff9b:1::1', 'rfc6052'],
    ['100::1', 'discard'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.254', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2002:a00:1::1', '6to4'],
    ['2001:0:a00:1::1', 'teredo'],
    ['192.0.2.1', 'reserved'],
  ])('refuses %s (%s) without naming the address', (address) => {
    const verdict = checkAddress(address, []);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) {
      expect(verdict.reason).toMatch(/^the address is in a forbidden range \(/);
      expect(verdict.reason).not.toContain(address);
    }
  });

  it('validates CIDRs', () => {
    expect(isValidCidr('127.0.0.1/32')).toBe(true);
    expect(isValidCidr('::1/128')).toBe(true);
    expect(isValidCidr('127.0.0.1')).toBe(false);
    expect(isValidCidr('300.0.0.0/8')).toBe(false);
  });
});
