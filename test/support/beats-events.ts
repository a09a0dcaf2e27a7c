/**
 * Events shaped as Filebeat 8 and Winlogbeat 8 send them over `output.logstash`: an ECS document
 * plus `@metadata` (`beat`, `type`, `version`), written from Elastic's documented exported fields
 * (Filebeat: "Log file content fields", "Host fields", "Beat fields", "ECS fields" for the
 * filestream input; Winlogbeat: "Winlogbeat fields", "Security module fields" for event 4624), with
 * private details replaced. What Drover's own senders send never looks like this: the pipeline's
 * `log` is a string, a Beat's `log` is an object (`log.file.path`, `log.offset`, `log.level`).
 */

const BEATS_VERSION = '8.15.3';

function host(name: string, os: { family: string; name: string; version: string; kernel: string }) {
  return {
    name,
    hostname: name.split('.')[0],
    architecture: 'x86_64',
    os: { ...os, type: os.family === 'windows' ? 'windows' : 'linux', platform: os.family },
    id: '4c4c4544004e3510804bb4c04f4e4e32',
    containerized: false,
    ip: ['10.0.0.21', 'fe80::5054:ff:fe12:3456'],
    mac: ['52-54-00-12-34-56'],
  };
}

const linux = {
  family: 'debian',
  name: 'Ubuntu',
  version: '24.04.1 LTS (Noble Numbat)',
  kernel: '6.8.0-49-generic',
};
const windows = {
  family: 'windows',
  name: 'Windows Server 2022 Standard',
  version: '10.0',
  kernel: '10.0.20348.2849',
};

function agent(type: string, name: string) {
  return {
    type,
    version: BEATS_VERSION,
    ephemeral_id: '8d1b0d4e-6c2f-4a57-9d0b-1f2b3c4d5e6f',
    id: '0b9f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b',
    name,
  };
}

/** A Filebeat filestream event for one line of a log file. */
export function filebeatEvent(message: string, options: { path: string; offset: number; host?: string }) {
  const name = options.host ?? 'web-01';
  return {
    '@timestamp': '2026-11-29T20:31:02.123Z',
    '@metadata': { beat: 'filebeat', type: '_doc', version: BEATS_VERSION },
    message,
    log: { offset: options.offset, file: { path: options.path, device_id: '64768', inode: '1835021' } },
    input: { type: 'filestream' },
    ecs: { version: '8.0.0' },
    host: host(name, linux),
    agent: agent('filebeat', name),
  };
}

/** A Winlogbeat event: a successful network logon (Security 4624). */
export function winlogbeatLogon(recordId: number, user: string) {
  const name = 'DC01.example.local';
  return {
    '@timestamp': '2026-11-29T20:31:05.412Z',
    '@metadata': { beat: 'winlogbeat', type: '_doc', version: BEATS_VERSION },
    message: `An account was successfully logged on.\n\nSubject:\n\tSecurity ID:\t\tS-1-5-18\n\tAccount Name:\t\tDC01$\n\nNew Logon:\n\tAccount Name:\t\t${user}\n\tLogon Type:\t\t3`,
    event: {
      code: '4624',
      kind: 'event',
      provider: 'Microsoft-Windows-Security-Auditing',
      action: 'logged-in',
      outcome: 'success',
      created: '2026-11-29T20:31:06.001Z',
      category: ['authentication'],
      type: ['start'],
      module: 'security',
    },
    winlog: {
      channel: 'Security',
      event_id: '4624',
      provider_name: 'Microsoft-Windows-Security-Auditing',
      provider_guid: '{54849625-5478-4994-a5ba-3e3b0328c30d}',
      record_id: recordId,
      computer_name: name,
      process: { pid: 788, thread: { id: 4316 } },
      keywords: ['Audit Success'],
      opcode: 'Info',
      task: 'Logon',
      api: 'wineventlog',
      logon: { type: 'Network', id: '0x8d1f2a' },
      event_data: {
        SubjectUserSid: 'S-1-5-18',
        SubjectUserName: 'DC01$',
        TargetUserName: user,
        TargetDomainName: 'EXAMPLE',
        LogonType: '3',
        AuthenticationPackageName: 'Kerberos',
        IpAddress: '10.0.0.9',
        IpPort: '49832',
      },
    },
    log: { level: 'information' },
    user: { name: user, domain: 'EXAMPLE' },
    source: { ip: '10.0.0.9', port: 49832 },
    ecs: { version: '8.0.0' },
    host: host(name, windows),
    agent: agent('winlogbeat', 'DC01'),
  };
}
