import { parseSyslog } from '@drover/pipeline';

/**
 * Events as the receivers write them to Kafka (channels/reftenant/receiver: JSON with the
 * syslog message in `log`, the whole line in `raw_log`, its parsed header in `syslog`, the device
 * type from the program name; a Beats event whole in `beat`),
 * from lines real daemons send: sshd, cron, systemd, Apache access and error logs, a device the
 * receivers do not know, and winlogbeat's ECS JSON. Each carries a unique `_ppf_id`.
 */
export interface ReceiverEvent {
  readonly topic: 'linux-os' | 'apache' | 'unknown' | 'winlogbeat';
  readonly fields: Record<string, unknown>;
}

const T0 = Date.UTC(2026, 10, 23, 5, 0, 0);

export function receiverEvent(i: number, idPrefix: string): ReceiverEvent {
  const id = `${idPrefix}-${i}`;
  const at = T0 + i;
  const base = { subsystem: 'e2e', _ppf_id: id, _ppf_timestamp: at };
  const syslog = (
    pri: number,
    program: string,
    message: string,
    deviceType: string,
    topic: ReceiverEvent['topic'],
  ) => {
    const raw = `<${pri}>Nov 23 05:00:${String(i % 60).padStart(2, '0')} front${i % 2} ${program}: ${message}`;
    const fields = {
      ...base,
      log_format: 'syslog',
      device_type: deviceType,
      log: message,
      raw_log: raw,
      syslog: parseSyslog(raw),
    };
    return { topic, fields };
  };
  switch (i % 8) {
    case 0:
      return syslog(
        38,
        'sshd[4242]',
        `Accepted publickey for deploy from 10.1.2.3 port ${i % 65536} ssh2: RSA SHA256:Hm3vZ1k`,
        'linux_os',
        'linux-os',
      );
    case 1:
      return syslog(
        37,
        'sshd[4243]',
        `Failed password for invalid user admin from 203.0.113.5 port ${i % 65536} ssh2`,
        'linux_os',
        'linux-os',
      );
    case 2:
      return syslog(78, 'CRON[811]', '(root) CMD (run-parts /etc/cron.hourly)', 'linux_os', 'linux-os');
    case 3:
      return syslog(30, 'systemd[1]', `Started Session ${i} of user deploy.`, 'linux_os', 'linux-os');
    case 4:
      return syslog(
        190,
        'httpd[2121]',
        `198.51.100.${i % 256} - frank [23/Nov/2026:05:00:00 +0000] "GET /index.html?id=${i} HTTP/1.1" 200 5120 "http://example.com/" "Mozilla/5.0 (X11; Linux x86_64)"`,
        'apache',
        'apache',
      );
    case 5:
      return syslog(
        187,
        'httpd[2121]',
        '[Mon Nov 23 05:00:00.123456 2026] [core:error] [pid 2121:tid 140245] [client 10.1.2.4:51234] AH00126: Invalid URI in request',
        'apache',
        'apache',
      );
    case 6:
      // An Apache line no pattern knows: kept, tagged _grokparsefailure.
      return syslog(190, 'httpd[2121]', `garbled access line ${i}`, 'apache', 'apache');
    default: {
      if (i % 16 === 7) {
        const raw = `<14>Nov 23 05:00:00 badge1 badge-reader[77]: door 3 opened ${i}`;
        return {
          topic: 'unknown',
          fields: {
            ...base,
            log_format: 'syslog',
            device_type: 'unknown',
            log: `door 3 opened ${i}`,
            raw_log: raw,
            syslog: parseSyslog(raw),
          },
        };
      }
      // Winlogbeat through the receiver: the whole ECS event in `beat`, its message in `log`.
      return {
        topic: 'winlogbeat',
        fields: {
          ...base,
          log_format: 'winlogbeat',
          log: `An account was logged on ${i}`,
          beat: {
            '@timestamp': new Date(at).toISOString(),
            '@metadata': { beat: 'winlogbeat', type: '_doc', version: '8.15.0' },
            host: { name: 'win1' },
            event: { provider: 'Security', code: '4624' },
            winlog: { channel: 'Security', event_id: 4624 },
            message: `An account was logged on ${i}`,
          },
        },
      };
    }
  }
}
