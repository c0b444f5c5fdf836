/**
 * The parts of the failover setup that need no cluster: the HAProxy config renderer (refuses what
 * HAProxy would misread), the multi-host URL split of db/postgres.ts, and the hub's rule for a
 * resume from another node (replay only when its run and replay buffer cover `since`).
 */
import { describe, expect, it } from 'vitest';
import { renderHaproxyConfig } from '../../deploy/haproxy/render.ts';
import { splitHosts } from '../../twin-server/src/db/postgres.ts';
import { Hub } from '../../twin-server/src/stream/hub.ts';

describe('renderHaproxyConfig', () => {
  const nodes = [{ name: 'a', host: '10.0.0.11', port: 8080 }, { name: 'b', host: '::1', port: 8081 }];
  it('writes one checked server line per node, IPv6 in brackets, and the bind lines', () => {
    const cfg = renderHaproxyConfig({ nodes, bind: ['*:80', '*:443 ssl crt /etc/haproxy/twin.pem'] });
    expect(cfg).toContain('    server a 10.0.0.11:8080 check\n    server b [::1]:8081 check');
    expect(cfg).toContain('    bind *:80\n    bind *:443 ssl crt /etc/haproxy/twin.pem');
    expect(cfg).toContain('inter 1000ms fastinter 500ms downinter 2000ms fall 2 rise 2 on-marked-down shutdown-sessions');
    expect(cfg).not.toMatch(/\{\{/);
    // Nodes serving HTTPS (twin serve beyond loopback): TLS to them, certificates checked.
    expect(renderHaproxyConfig({ nodes: [nodes[0]!], bind: ['*:80'], nodeCaFile: '/etc/haproxy/twin-nodes.pem' }))
      .toContain('    server a 10.0.0.11:8080 check ssl verify required ca-file /etc/haproxy/twin-nodes.pem');
    expect(() => renderHaproxyConfig({ nodes, bind: ['*:80'], nodeCaFile: 'rel.pem' })).toThrow(/absolute path/);
  });
  it('refuses bad node names, hosts, ports, duplicates, an empty list and injected lines', () => {
    expect(() => renderHaproxyConfig({ nodes: [], bind: ['*:80'] })).toThrow(/at least one node/);
    expect(() => renderHaproxyConfig({ nodes: [{ name: 'a b', host: 'h', port: 1 }], bind: ['*:80'] })).toThrow(/bad node name/);
    expect(() => renderHaproxyConfig({ nodes: [{ name: 'a', host: 'h\nserver x', port: 1 }], bind: ['*:80'] })).toThrow(/bad host/);
    expect(() => renderHaproxyConfig({ nodes: [{ name: 'a', host: 'h', port: 70000 }], bind: ['*:80'] })).toThrow(/bad port/);
    expect(() => renderHaproxyConfig({ nodes: [nodes[0]!, nodes[0]!], bind: ['*:80'] })).toThrow(/duplicate/);
    expect(() => renderHaproxyConfig({ nodes, bind: ['*:80\n  stats enable'] })).toThrow(/bad address/);
  });
});

describe('splitHosts', () => {
  it('splits a multi-host URL into one URL per host and drops target_session_attrs', () => {
    expect(splitHosts('postgres://u:p@h1:5432,h2:5433/twin?target_session_attrs=read-write&sslmode=require')).toEqual({
      urls: ['postgres://u:p@h1:5432/twin?sslmode=require', 'postgres://u:p@h2:5433/twin?sslmode=require'], readWrite: true,
    });
    expect(splitHosts('postgres://h1,h2/twin')).toEqual({ urls: ['postgres://h1/twin', 'postgres://h2/twin'], readWrite: false });
  });
  it('leaves a single-host URL alone', () => {
    const url = 'postgres://u@h1:5432/twin?target_session_attrs=read-write';
    expect(splitHosts(url)).toEqual({ urls: [url], readWrite: false });
  });
});

describe('hub: resume from another node', () => {
  it('replays only when this run started before `since` minus the margin and still holds those batches', () => {
    const hub = new Hub({ crossResumeMarginMs: 1000 });
    const other = hub.epoch === 1 ? 2 : 1;
    const now = Date.now();
    expect(hub.canResume({ epoch: other, seq: 5 })).toBe(false); // no since: snapshot
    expect(hub.canResume({ epoch: other, seq: 5, since: now })).toBe(false); // this run is younger than since - margin
    expect(hub.canResume({ epoch: other, seq: 5, since: hub.startedAt + 1000 })).toBe(true);
    expect(hub.canResume({ epoch: other, seq: 5, since: now + 60_000 })).toBe(false); // from the future
  });
});
