/**
 * `twin devices issue|revoke|list|mosquitto`: MQTT device credentials (ingest/identity.ts). A
 * device's username is its device code; it may publish only its own telemetry topics. The password
 * is printed once and stored only as a PBKDF2-SHA512 hash in `<data dir>/mqtt-passwords` (the
 * mosquitto password-file format), beside the matching ACL `<data dir>/mqtt-acl`. Every issue and
 * revocation is audited as done from the console.
 */
import { loadConfig } from '../config.ts';
import { loadAuthSettings } from '../auth/config.ts';
import { appendAudit, loadAuditKey, setAuditKey } from '../auth/audit.ts';
import { openDb, migrate } from '../db/index.ts';
import { dataDirOf } from '../backup/backup.ts';
import { MqttCredentials, SERVER_IDENTITY, SIMULATOR_IDENTITY, validIdentityName } from '../ingest/identity.ts';
import { UsageError } from './args.ts';
import type { Command } from './command.ts';

const USAGE = `twin devices issue CODE      issue (or replace) the MQTT credential of device CODE; prints its password once
       twin devices revoke CODE     revoke it (the embedded broker refuses it at once; reload mosquitto)
       twin devices list            the identities that hold a credential
       twin devices mosquitto       print the mosquitto settings that use the generated password and ACL files
Built-in identities: ${SERVER_IDENTITY} (the twin server on an external broker: put it in MQTT_URL), ${SIMULATOR_IDENTITY}.`;

/** Prints the mosquitto listener settings for the generated files (docs/operations.md has the whole file). */
export function mosquittoSettings(creds: MqttCredentials): string {
  return `allow_anonymous false
password_file ${creds.file}
acl_file ${creds.aclFile}
persistence true
max_queued_messages 200000
max_inflight_messages 1000`;
}

/** `twin devices` */
export const devicesCommand: Command = {
  summary: 'issue, revoke and list MQTT device credentials (embedded broker and mosquitto files), audited',
  usage: USAGE,
  async run(args) {
    const [sub, name] = args.positional;
    const config = loadConfig();
    const dataDir = dataDirOf(config);
    const creds = new MqttCredentials(dataDir);
    if (sub === 'list') {
      for (const n of [...creds.entries().keys()].sort()) console.log(n);
      return 0;
    }
    if (sub === 'mosquitto') {
      console.log(mosquittoSettings(creds));
      return 0;
    }
    if (sub !== 'issue' && sub !== 'revoke') throw new UsageError(sub ? `unknown devices command ${sub}` : 'which devices command?');
    if (!name || !validIdentityName(name)) throw new UsageError('a device code: letters, digits, . _ - (at most 64)');
    setAuditKey(loadAuditKey(loadAuthSettings().auditKey, dataDir, (m) => console.error(`warning: ${m}`)));
    const db = await openDb(config.db);
    try {
      await migrate(db);
      let password: string | null = null;
      if (sub === 'issue') password = creds.issue(name);
      else if (!creds.revoke(name)) {
        console.error(`${name} holds no MQTT credential`);
        return 1;
      }
      await db.transaction((tx) => appendAudit(tx, { action: sub === 'issue' ? 'mqtt.credential.issued' : 'mqtt.credential.revoked', outcome: 'success', actor: { kind: 'system', name: 'console' }, object: `mqtt:${name}` }, new Date()));
      if (password) {
        console.log(`MQTT credential of ${name} (shown only this once):\n  username ${name}\n  password ${password}`);
        console.error(`stored hashed in ${creds.file}; ACL in ${creds.aclFile}`);
      } else console.log(`revoked the MQTT credential of ${name}`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
