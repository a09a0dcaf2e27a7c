/**
 * Syslog lines as real senders write them, with the fields the recogniser must give, and where
 * each form comes from (vendor documentation, an RFC section, another parser's public bug report
 * or test corpus). Private details are replaced (documentation addresses, `example.com`,
 * `user1`), the forms are kept byte for byte. Data only: `real-world-lines.test.ts` checks every
 * row and `test/bench/syslog-parser.bench.ts` parses them as part of its mix.
 *
 * `expect` always names `header`, `timestamp`, `host`, `app_name`, `procid` and `message`, so a
 * row cannot pass by leaving the fields that matter out; other fields are checked when given.
 */
import type { SyslogHeader } from '../src/index.js';

type Expectation = Pick<SyslogHeader, 'header' | 'timestamp' | 'host' | 'app_name' | 'procid' | 'message'> &
  Partial<SyslogHeader>;

export interface RealWorldLine {
  /** Who sends it. */
  readonly sender: string;
  readonly line: string;
  readonly expect: Expectation;
  /** Where the form comes from. */
  readonly source: string;
}

const LOG4J = '2024-01-15 10:00:00,123 INFO [main] com.example.App - Started App in 2.1 seconds';

export const realWorldLines: readonly RealWorldLine[] = [
  // ---- The seven lines of issue 14, with the answers the issue gives. ----
  {
    sender: 'Cisco IOS',
    line: '<189>88: *Feb 28 00:20:10.663: %SYS-5-CONFIG_I: Configured from console by user1 on vty0 (10.0.0.1)',
    expect: {
      header: 'parsed',
      sequence: 88,
      timestamp: 'Feb 28 00:20:10.663',
      timestamp_marker: '*',
      timestamp_zone: null,
      host: null,
      app_name: null,
      procid: null,
      message: '%SYS-5-CONFIG_I: Configured from console by user1 on vty0 (10.0.0.1)',
    },
    source: 'issue 14 (from a public bug report of another parser): 88 is a sequence number, not app_name',
  },
  {
    sender: 'Cisco IOS',
    line: '<189>93: *Feb 28 00:20:10.663 UTC: %SYS-5-CONFIG_I: Configured from console by user1 on vty0 (10.0.0.1)',
    expect: {
      header: 'parsed',
      sequence: 93,
      timestamp: 'Feb 28 00:20:10.663',
      timestamp_zone: 'UTC',
      host: null,
      app_name: null,
      procid: null,
      message: '%SYS-5-CONFIG_I: Configured from console by user1 on vty0 (10.0.0.1)',
    },
    source: 'issue 14; Cisco `service timestamps log datetime msec show-timezone`',
  },
  {
    sender: 'BIND named on an IPv6 host',
    line: "<30>Sep 11 13:56:05 2001:db8:115e:c0b::a:1 named[16548]: edns-disabled: success resolving 'example.com/A'",
    expect: {
      header: 'parsed',
      timestamp: 'Sep 11 13:56:05',
      host: '2001:db8:115e:c0b::a:1',
      app_name: 'named',
      procid: '16548',
      message: "edns-disabled: success resolving 'example.com/A'",
    },
    source: 'issue 14; RFC 3164 §4.1.2 allows an IPv6 address as HOSTNAME',
  },
  {
    sender: 'sshd on an IPv4-mapped IPv6 host',
    line: '<30>Sep 11 13:56:05 ::ffff:10.0.0.7 sshd[16548]: Accepted publickey for user1 from 10.0.0.9',
    expect: {
      header: 'parsed',
      timestamp: 'Sep 11 13:56:05',
      host: '::ffff:10.0.0.7',
      app_name: 'sshd',
      procid: '16548',
      message: 'Accepted publickey for user1 from 10.0.0.9',
    },
    source: 'issue 14; RFC 4291 §2.5.5.2 IPv4-mapped address',
  },
  {
    sender: 'ISO 8601 offset without colon',
    line: '<14>2025-07-16T04:42:54+0000 host1 sshd[1]: offset without colon',
    expect: {
      header: 'parsed',
      timestamp: '2025-07-16T04:42:54+0000',
      timestamp_form: 'iso8601',
      timestamp_zone: '+0000',
      host: 'host1',
      app_name: 'sshd',
      procid: '1',
      message: 'offset without colon',
    },
    source: 'issue 14; ISO 8601 basic offset (strftime %z)',
  },
  {
    sender: 'ISO 8601 without zone',
    line: '<13>2018-05-08T10:31:24 host1 sshd[1]: iso without zone',
    expect: {
      header: 'parsed',
      timestamp: '2018-05-08T10:31:24',
      timestamp_zone: null,
      host: 'host1',
      app_name: 'sshd',
      procid: '1',
      message: 'iso without zone',
    },
    source: 'issue 14',
  },
  {
    sender: 'Ubuntu 24.04 /var/log/syslog (no PRI)',
    line: '2026-01-12T11:15:58.792703+00:00 nas1 sshd[1581943]: Invalid user user1 from 10.0.0.4 port 5678',
    expect: {
      header: 'parsed',
      pri: null,
      timestamp: '2026-01-12T11:15:58.792703+00:00',
      host: 'nas1',
      app_name: 'sshd',
      procid: '1581943',
      message: 'Invalid user user1 from 10.0.0.4 port 5678',
    },
    source: 'issue 14; rsyslog RSYSLOG_FileFormat, the Ubuntu 24.04 default',
  },

  // ---- Cisco IOS / IOS-XE ----
  {
    sender: 'Cisco IOS, logging origin-id hostname',
    line: '<189>521: router1: *Nov 14 08:30:56.699: %LINK-5-CHANGED: Interface GigabitEthernet2, changed state to administratively down',
    expect: {
      header: 'parsed',
      sequence: 521,
      timestamp: 'Nov 14 08:30:56.699',
      timestamp_marker: '*',
      host: 'router1',
      app_name: null,
      procid: null,
      message: '%LINK-5-CHANGED: Interface GigabitEthernet2, changed state to administratively down',
    },
    source: 'napalm-logs tests/config/ios/INTERFACE_DOWN/default/syslog.msg',
  },
  {
    sender: 'Cisco IOS-XE, origin-id, local time zone',
    line: '<189>1179: NetAuto_CSRv-03: May 31 15:25:53.743 MEST: %LINK-5-CHANGED: Interface GigabitEthernet2, changed state to administratively down from 10.0.75.201',
    expect: {
      header: 'parsed',
      sequence: 1179,
      timestamp: 'May 31 15:25:53.743',
      timestamp_zone: 'MEST',
      timestamp_marker: null,
      host: 'NetAuto_CSRv-03',
      app_name: null,
      procid: null,
      message:
        '%LINK-5-CHANGED: Interface GigabitEthernet2, changed state to administratively down from 10.0.75.201',
    },
    source: 'napalm-logs tests/config/ios/INTERFACE_DOWN/message_with_timezone/syslog.msg',
  },
  {
    sender: 'Cisco IOS, message counter and sequence number',
    line: '<190>421370: 421366: Nov 23 22:23:27: %SEC-6-IPACCESSLOGP: list ACL-SSH permitted tcp 10.0.2.4(52144) -> 10.0.0.1(22), 1 packet',
    expect: {
      header: 'parsed',
      sequence: 421370,
      sequence2: 421366,
      timestamp: 'Nov 23 22:23:27',
      host: null,
      app_name: null,
      procid: null,
      message: '%SEC-6-IPACCESSLOGP: list ACL-SSH permitted tcp 10.0.2.4(52144) -> 10.0.0.1(22), 1 packet',
    },
    source:
      'rsyslog issue 3069 (pmciscoios samples): `logging message-counter syslog` + `service sequence-numbers`',
  },
  {
    sender: 'Cisco IOS, origin-id, seven-letter zone',
    line: '<188>179767: host1: Nov 23 22:23:27.833 NewYork: %SW_MATM-4-MACFLAP_NOTIF: Host 0011.2233.4455 in vlan 50 is flapping between port Po1 and port Po3',
    expect: {
      header: 'parsed',
      sequence: 179767,
      timestamp: 'Nov 23 22:23:27.833',
      timestamp_zone: 'NewYork',
      host: 'host1',
      app_name: null,
      procid: null,
      message:
        '%SW_MATM-4-MACFLAP_NOTIF: Host 0011.2233.4455 in vlan 50 is flapping between port Po1 and port Po3',
    },
    source: 'rsyslog issue 3069 (pmciscoios samples), `clock timezone NewYork`',
  },
  {
    sender: 'Cisco IOS, uptime timestamps',
    line: '<189>45: 00:00:46: %LINK-3-UPDOWN: Interface Port-channel1, changed state to up',
    expect: {
      header: 'parsed',
      sequence: 45,
      timestamp: '00:00:46',
      timestamp_form: 'uptime',
      host: null,
      app_name: null,
      procid: null,
      message: '%LINK-3-UPDOWN: Interface Port-channel1, changed state to up',
    },
    source: 'Cisco IE 3000 Software Configuration Guide, "System Log Message Format" (hh:mm:ss short uptime)',
  },
  {
    sender: 'Cisco IOS, long uptime',
    line: '<189>46: 1d02h: %LINEPROTO-5-UPDOWN: Line protocol on Interface Vlan1, changed state to down',
    expect: {
      header: 'parsed',
      sequence: 46,
      timestamp: '1d02h',
      timestamp_form: 'uptime',
      host: null,
      app_name: null,
      procid: null,
      message: '%LINEPROTO-5-UPDOWN: Line protocol on Interface Vlan1, changed state to down',
    },
    source: 'Cisco Catalyst configuration guides, timestamp formats table ("d h (long uptime)")',
  },
  {
    sender: 'Cisco IOS, no sequence numbers, clock not set',
    line: '<189>*Mar  1 18:46:11: %SYS-5-CONFIG_I: Configured from console by vty2 (10.0.195.36)',
    expect: {
      header: 'parsed',
      sequence: null,
      timestamp: 'Mar  1 18:46:11',
      timestamp_marker: '*',
      host: null,
      app_name: null,
      procid: null,
      message: '%SYS-5-CONFIG_I: Configured from console by vty2 (10.0.195.36)',
    },
    source: 'Cisco IE 3000 Software Configuration Guide example (`*` = clock not authoritative)',
  },
  {
    sender: 'Cisco IOS, access-list log',
    line: '<190>91809: Jan  9 02:38:47.872: %SEC-6-IPACCESSLOGP: list testlog permitted tcp 192.0.2.33(3438) -> 198.51.100.184(80), 1 packet',
    expect: {
      header: 'parsed',
      sequence: 91809,
      timestamp: 'Jan  9 02:38:47.872',
      host: null,
      app_name: null,
      procid: null,
      message:
        '%SEC-6-IPACCESSLOGP: list testlog permitted tcp 192.0.2.33(3438) -> 198.51.100.184(80), 1 packet',
    },
    source: 'FortiSIEM User Guide, "Parser Examples" (Cisco IOS syslog parser)',
  },
  {
    sender: 'Cisco IOS, clock out of NTP sync',
    line: '<187>102: .Jan 12 09:10:11.123 UTC: %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down',
    expect: {
      header: 'parsed',
      sequence: 102,
      timestamp: 'Jan 12 09:10:11.123',
      timestamp_marker: '.',
      timestamp_zone: 'UTC',
      host: null,
      app_name: null,
      procid: null,
      message: '%LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down',
    },
    source: 'rsyslog pmciscoios documentation (`.` = clock out of sync with its NTP server)',
  },
  {
    sender: 'Cisco IOS, per-session sequence as structured data (unsupported form)',
    line: '<187>208: [syslog@9 s_sn="127" s_id ="sw1:666"]: 000204: *Jan  1 2006 23:25:10.989: %LINK-3-UPDOWN: Interface GigabitEthernet0/14, changed state to down',
    expect: {
      header: 'partial',
      sequence: 208,
      timestamp: null,
      host: null,
      app_name: null,
      procid: null,
      message:
        '<187>208: [syslog@9 s_sn="127" s_id ="sw1:666"]: 000204: *Jan  1 2006 23:25:10.989: %LINK-3-UPDOWN: Interface GigabitEthernet0/14, changed state to down',
    },
    source:
      'leodido/go-syslog pull request 22 (pcap of a Catalyst): a form this parser does not read, so it says so',
  },
  {
    sender: 'Cisco IOS-XR (unsupported form)',
    line: '<149>2647599: vmx01 RP/0/RSP1/CPU0:Mar 28 15:08:30.941 UTC: bgp[1051]: %ROUTING-BGP-5-MAXPFX : No. of IPv4 Unicast prefixes received from 192.0.2.4 has reached 94106, max 125000',
    expect: {
      header: 'partial',
      header_issue: {
        code: 'CISCO_HEADER_UNREADABLE',
        offset: 14,
        detail:
          'after the Cisco counter, neither a timestamp nor a message code (%FACILITY-SEVERITY-MNEMONIC)',
      },
      sequence: 2647599,
      timestamp: null,
      host: null,
      app_name: null,
      procid: null,
      message:
        '<149>2647599: vmx01 RP/0/RSP1/CPU0:Mar 28 15:08:30.941 UTC: bgp[1051]: %ROUTING-BGP-5-MAXPFX : No. of IPv4 Unicast prefixes received from 192.0.2.4 has reached 94106, max 125000',
    },
    source:
      'napalm-logs tests/config/iosxr/BGP_PREFIX_THRESH_EXCEEDED/default_v4/syslog.msg (node-id form not read yet)',
  },

  // ---- Cisco NX-OS ----
  {
    sender: 'Cisco NX-OS',
    line: '<190>2018 Apr 20 13:15:07 nexus-switch %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/33 is down (Link failure)',
    expect: {
      header: 'parsed',
      timestamp: '2018 Apr 20 13:15:07',
      timestamp_form: 'bsd',
      host: 'nexus-switch',
      app_name: null,
      procid: null,
      message: '%ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/33 is down (Link failure)',
    },
    source: 'napalm-logs tests/config/nxos/INTERFACE_DOWN/default/syslog.msg',
  },
  {
    sender: 'Cisco NX-OS, origin before the timestamp',
    line: '<190>sw01.pdx01: 2017 Jul 28 14:42:46 UTC: %AUTHPRIV-6-SYSTEM_MSG: pam_unix(dcos_sshd:session): session opened for user user1 by (uid=0) - dcos_sshd[12977]',
    expect: {
      header: 'parsed',
      timestamp: '2017 Jul 28 14:42:46',
      timestamp_zone: 'UTC',
      host: 'sw01.pdx01',
      app_name: null,
      procid: null,
      message:
        '%AUTHPRIV-6-SYSTEM_MSG: pam_unix(dcos_sshd:session): session opened for user user1 by (uid=0) - dcos_sshd[12977]',
    },
    source: 'napalm-logs tests/config/nxos/USER_LOGIN/default/syslog.msg',
  },
  {
    sender: 'Cisco NX-OS, to a remote server',
    line: '<187>: 2005 Sep  4 18:18:22 UTC: %AUTHPRIV-3-SYSTEM_MSG: ttyS1: togetattr: Input/output error - getty[28224]',
    expect: {
      header: 'parsed',
      sequence: null,
      timestamp: '2005 Sep  4 18:18:22',
      timestamp_zone: 'UTC',
      host: null,
      app_name: null,
      procid: null,
      message: '%AUTHPRIV-3-SYSTEM_MSG: ttyS1: togetattr: Input/output error - getty[28224]',
    },
    source:
      'Cisco NX-OS System Messages Reference, "syslog Format on a Remote-Logging Server" (empty counter)',
  },
  {
    sender: 'Cisco NX-OS resident log (no PRI)',
    line: 'Nov  1 14:07:58 excal-113 %MODULE-5-MOD_OK: Module 1 is online',
    expect: {
      header: 'parsed',
      pri: null,
      timestamp: 'Nov  1 14:07:58',
      host: 'excal-113',
      app_name: null,
      procid: null,
      message: '%MODULE-5-MOD_OK: Module 1 is online',
    },
    source: 'Cisco NX-OS System Messages Reference, "syslog Format on a Resident Switch"',
  },

  // ---- Cisco ASA / FTD ----
  {
    sender: 'Cisco ASA, logging timestamp + device-id hostname',
    line: '<166>Aug 16 2019 09:09:20 asa1.example.com : %ASA-6-302016: Teardown UDP connection 8612565 for lan:10.0.8.11/53 to VLAN1000:10.0.51.2/58451 duration 0:00:00 bytes 225',
    expect: {
      header: 'parsed',
      timestamp: 'Aug 16 2019 09:09:20',
      host: 'asa1.example.com',
      app_name: null,
      procid: null,
      message:
        '%ASA-6-302016: Teardown UDP connection 8612565 for lan:10.0.8.11/53 to VLAN1000:10.0.51.2/58451 duration 0:00:00 bytes 225',
    },
    source: 'elastic/beats issue 13259: "can\'t parse event as syslog rfc3164"',
  },
  {
    sender: 'Cisco ASA, logging timestamp, no device-id',
    line: '<164>Sep 14 2016 10:07:20: %ASA-4-106023: Deny udp src inside:10.0.20.45/5860 dst outside:192.0.2.10/53 by access-group "inside_in" [0x0, 0x0]',
    expect: {
      header: 'parsed',
      timestamp: 'Sep 14 2016 10:07:20',
      host: null,
      app_name: null,
      procid: null,
      message:
        '%ASA-4-106023: Deny udp src inside:10.0.20.45/5860 dst outside:192.0.2.10/53 by access-group "inside_in" [0x0, 0x0]',
    },
    source: 'microsoft/OMS-Agent-for-Linux issue 201 ("deviceId disabled"): the host was taken from the time',
  },
  {
    sender: 'Cisco ASA 9.10+, logging timestamp rfc5424',
    line: '<166>2018-06-27T12:17:46Z asa : %ASA-6-110002: Failed to locate egress interface for protocol from src interface :src IP/src port to dest IP/dest port',
    expect: {
      header: 'parsed',
      timestamp: '2018-06-27T12:17:46Z',
      timestamp_zone: 'Z',
      host: 'asa',
      app_name: null,
      procid: null,
      message:
        '%ASA-6-110002: Failed to locate egress interface for protocol from src interface :src IP/src port to dest IP/dest port',
    },
    source: 'Cisco ASA Series Syslog Messages, "What\'s New": timestamp as per RFC 5424 (9.10(1))',
  },
  {
    sender: 'Cisco ASA, device-id ipaddress, no timestamp',
    line: '<166>10.0.0.1 %ASA-6-302015: Built outbound UDP connection 1450683617 for DMZ:192.168.2.205/80 (192.168.2.205/80) to Inside:172.16.10.99/5197 (172.16.10.99/5197)',
    expect: {
      header: 'parsed',
      timestamp: null,
      host: '10.0.0.1',
      app_name: null,
      procid: null,
      message:
        '%ASA-6-302015: Built outbound UDP connection 1450683617 for DMZ:192.168.2.205/80 (192.168.2.205/80) to Inside:172.16.10.99/5197 (172.16.10.99/5197)',
    },
    source: 'syslog-ng issue 3535 (cisco-parser did not match)',
  },
  {
    sender: 'Cisco ASA, no timestamp, no device-id',
    line: '<166>%ASA-6-302013: Built outbound TCP connection 123 for outside:192.0.2.1/443 (192.0.2.1/443) to inside:10.0.0.5/51234 (10.0.0.5/51234)',
    expect: {
      header: 'parsed',
      timestamp: null,
      host: null,
      app_name: null,
      procid: null,
      message:
        '%ASA-6-302013: Built outbound TCP connection 123 for outside:192.0.2.1/443 (192.0.2.1/443) to inside:10.0.0.5/51234 (10.0.0.5/51234)',
    },
    source:
      'Cisco ASA configuration guide, "Syslog Message Format" (%ASA-Level-Message_number: Message_text)',
  },
  {
    sender: 'Cisco ASA, host followed by a colon',
    line: '<164>Oct 10 2018 12:34:56 localhost: %ASA-4-106023: Deny tcp src outside:192.0.2.1/4444 dst inside:10.0.0.2/22 by access-group "outside_in" [0x0, 0x0]',
    expect: {
      header: 'parsed',
      timestamp: 'Oct 10 2018 12:34:56',
      host: 'localhost',
      app_name: null,
      procid: null,
      message:
        '%ASA-4-106023: Deny tcp src outside:192.0.2.1/4444 dst inside:10.0.0.2/22 by access-group "outside_in" [0x0, 0x0]',
    },
    source: 'elastic/beats issue 52557 (Beats cisco module test logs): "localhost: %ASA-..." did not parse',
  },
  {
    sender: 'Cisco ASA behind a relay that adds a TAG',
    line: '<164>Oct 10 2018 12:34:56 fw01 CiscoASA[999]: %ASA-4-106023: Deny tcp src outside:192.0.2.1/4444 dst inside:10.0.0.2/22 by access-group "outside_in" [0x0, 0x0]',
    expect: {
      header: 'parsed',
      timestamp: 'Oct 10 2018 12:34:56',
      host: 'fw01',
      app_name: 'CiscoASA',
      procid: '999',
      message:
        '%ASA-4-106023: Deny tcp src outside:192.0.2.1/4444 dst inside:10.0.0.2/22 by access-group "outside_in" [0x0, 0x0]',
    },
    source: 'elastic/beats issue 52557: "RFC3164 with year" in 800+ ASA/FTD lines of the Beats corpus',
  },

  // ---- Juniper Junos ----
  {
    sender: 'Juniper Junos',
    line: '<28>Jul 20 21:45:59 vmx01 mib2d[2424]: SNMP_TRAP_LINK_DOWN: ifIndex 502, ifAdminStatus down(2), ifOperStatus down(2), ifName xe-0/0/0',
    expect: {
      header: 'parsed',
      timestamp: 'Jul 20 21:45:59',
      host: 'vmx01',
      app_name: 'mib2d',
      procid: '2424',
      message:
        'SNMP_TRAP_LINK_DOWN: ifIndex 502, ifAdminStatus down(2), ifOperStatus down(2), ifName xe-0/0/0',
    },
    source: 'napalm-logs tests/config/junos/INTERFACE_DOWN/default/syslog.msg',
  },
  {
    sender: 'Juniper Junos, two spaces before the host',
    line: '<28>Jun 21 14:03:12  vmx01 rpd[2902]: RPD_BGP_NEIGHBOR_STATE_CHANGED: BGP peer 192.0.2.1 (External AS 64500) changed state from Active to Connect (event TransportError) (instance master)',
    expect: {
      header: 'parsed',
      timestamp: 'Jun 21 14:03:12',
      host: 'vmx01',
      app_name: 'rpd',
      procid: '2902',
      message:
        'RPD_BGP_NEIGHBOR_STATE_CHANGED: BGP peer 192.0.2.1 (External AS 64500) changed state from Active to Connect (event TransportError) (instance master)',
    },
    source: 'napalm-logs tests/config/junos/BGP_NEIGHBOR_STATE_CHANGED/active_to_connect/syslog.msg',
  },
  {
    sender: 'Juniper Junos, RFC 3339 time, kernel as /kernel',
    line: '<4>2020-03-31T08:41:59+00:00 vmx01 /kernel: tcp_auth_ok: Packet from 192.0.2.254:61664 wrong MD5 digest',
    expect: {
      header: 'parsed',
      timestamp: '2020-03-31T08:41:59+00:00',
      host: 'vmx01',
      app_name: '/kernel',
      procid: null,
      message: 'tcp_auth_ok: Packet from 192.0.2.254:61664 wrong MD5 digest',
    },
    source: 'napalm-logs tests/config/junos/BGP_MD5_INCORRECT/ISO8601/syslog.msg',
  },
  {
    sender: 'Juniper SRX, TAG without pid',
    line: '<14>Dec 13 13:12:00 srx-firewall RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed idle Timeout: 10.0.0.1/23456->192.0.2.8/443 junos-https',
    expect: {
      header: 'parsed',
      timestamp: 'Dec 13 13:12:00',
      host: 'srx-firewall',
      app_name: 'RT_FLOW',
      procid: null,
      message:
        'RT_FLOW_SESSION_CLOSE: session closed idle Timeout: 10.0.0.1/23456->192.0.2.8/443 junos-https',
    },
    source: 'napalm-logs tests/config/junos/NAT_SESSION_CLOSED/default/syslog.msg',
  },
  {
    sender: 'Juniper SRX, structured-data format',
    line: '<14>1 2024-01-15T10:00:00.123+01:00 srx1 RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.129 source-address="10.0.0.1" source-port="52144" destination-address="192.0.2.10" destination-port="443" service-name="junos-https"] session created 10.0.0.1/52144->192.0.2.10/443',
    expect: {
      header: 'parsed',
      format: 'rfc5424',
      timestamp: '2024-01-15T10:00:00.123+01:00',
      host: 'srx1',
      app_name: 'RT_FLOW',
      procid: null,
      msgid: 'RT_FLOW_SESSION_CREATE',
      sd: {
        'junos@2636.1.1.1.2.129': {
          'source-address': '10.0.0.1',
          'source-port': '52144',
          'destination-address': '192.0.2.10',
          'destination-port': '443',
          'service-name': 'junos-https',
        },
      },
      message: 'session created 10.0.0.1/52144->192.0.2.10/443',
    },
    source:
      'Juniper "Structured-Data Format for System Log Messages" (set system syslog ... structured-data)',
  },
  {
    sender: 'Juniper Junos, PFE message without TAG',
    line: '<7>Jan 16 06:30:04 re0.vmx01 fpc0 expr_nh_unilist_install: Creation of handle for nh 525207 failed',
    expect: {
      header: 'parsed',
      timestamp: 'Jan 16 06:30:04',
      host: 're0.vmx01',
      app_name: null,
      procid: null,
      message: 'fpc0 expr_nh_unilist_install: Creation of handle for nh 525207 failed',
    },
    source:
      'napalm-logs tests/config/junos/NH_INSTALL_FAILED/default/syslog.msg (the message right after the host)',
  },

  // ---- Fortinet FortiGate ----
  {
    sender: 'Fortinet FortiOS 5.4',
    line: '<189>date=2019-04-09 time=04:27:29 devname=fw01 devid=FG800D0123456789 logid=0000000013 type=traffic subtype=forward level=notice vd=root srcip=192.0.2.1 srcport=19982 srcintf="port1" dstip=10.0.0.10 dstport=179 action=timeout',
    expect: {
      header: 'parsed',
      pri: 189,
      timestamp: null,
      host: null,
      app_name: null,
      procid: null,
      message:
        'date=2019-04-09 time=04:27:29 devname=fw01 devid=FG800D0123456789 logid=0000000013 type=traffic subtype=forward level=notice vd=root srcip=192.0.2.1 srcport=19982 srcintf="port1" dstip=10.0.0.10 dstport=179 action=timeout',
    },
    source:
      'napalm-logs tests/config/fortinet/FORWARD_TRAFFIC/default/syslog.msg; RFC 3164 §4.3.3 (PRI, then MSG)',
  },
  {
    sender: 'Fortinet FortiOS 7, quoted values',
    line: '<185>date=2024-01-15 time=10:00:00 devname="FGT60F" devid="FGT60FTK0000000" eventtime=1705312800123456789 tz="+0100" logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="Admin login successful" user="admin" ui="https(10.0.0.5)" action="login" status="success"',
    expect: {
      header: 'parsed',
      timestamp: null,
      host: null,
      app_name: null,
      procid: null,
      message:
        'date=2024-01-15 time=10:00:00 devname="FGT60F" devid="FGT60FTK0000000" eventtime=1705312800123456789 tz="+0100" logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="Admin login successful" user="admin" ui="https(10.0.0.5)" action="login" status="success"',
    },
    source: 'Fortinet FortiOS 7.x Log Message Reference, "Log message format" (header fields as key=value)',
  },

  // ---- Palo Alto Networks PAN-OS ----
  {
    sender: 'Palo Alto PAN-OS / Panorama, BSD format',
    line: '<14>Aug 15 18:47:51 palo_alto_host 1,2022/08/15 18:47:51,012345678901,TRAFFIC,end,2561,2022/08/15 18:47:49,10.0.0.29,10.0.5.2,0.0.0.0,0.0.0.0,dns-services,,,dns-base,vsys1,trust,dc,ae8.1852,ae8.1854,Panorama',
    expect: {
      header: 'parsed',
      timestamp: 'Aug 15 18:47:51',
      host: 'palo_alto_host',
      app_name: null,
      procid: null,
      message:
        '1,2022/08/15 18:47:51,012345678901,TRAFFIC,end,2561,2022/08/15 18:47:49,10.0.0.29,10.0.5.2,0.0.0.0,0.0.0.0,dns-services,,,dns-base,vsys1,trust,dc,ae8.1852,ae8.1854,Panorama',
    },
    source:
      'splunk/splunk-connect-for-syslog issue 1786 (raw PAN-OS TRAFFIC line): no TAG, CSV right after the host',
  },
  {
    sender: 'Palo Alto PAN-OS, FQDN host',
    line: '<14>Aug 17 13:40:10 fw01.example.local 1,2022/08/17 13:40:10,015557000011303,TRAFFIC,end,2561,2022/08/17 13:40:03,192.0.2.25,10.0.1.1',
    expect: {
      header: 'parsed',
      timestamp: 'Aug 17 13:40:10',
      host: 'fw01.example.local',
      app_name: null,
      procid: null,
      message:
        '1,2022/08/17 13:40:10,015557000011303,TRAFFIC,end,2561,2022/08/17 13:40:03,192.0.2.25,10.0.1.1',
    },
    source: 'splunk/splunk-connect-for-syslog issue 1789',
  },
  {
    sender: 'Palo Alto Panorama, IETF format',
    line: '<14>1 2026-03-17T15:41:37+01:00 panorama01.example.com - - - - 1,2026/03/17 15:41:37,000702196763,CONFIG,0,0,2026/03/17 15:41:37,10.0.31.89,,commit-and-push,user1@example.com,Web,Succeeded,,7595638036499532195',
    expect: {
      header: 'parsed',
      format: 'rfc5424',
      timestamp: '2026-03-17T15:41:37+01:00',
      host: 'panorama01.example.com',
      app_name: null,
      procid: null,
      msgid: null,
      structured_data: null,
      message:
        '1,2026/03/17 15:41:37,000702196763,CONFIG,0,0,2026/03/17 15:41:37,10.0.31.89,,commit-and-push,user1@example.com,Web,Succeeded,,7595638036499532195',
    },
    source: 'splunk/splunk-connect-for-syslog issue 2964 (octet-counted frames of a Panorama)',
  },

  // ---- F5 BIG-IP ----
  {
    sender: 'F5 BIG-IP tmm',
    line: '<132>Oct 16 19:34:15 bigip-1 warning tmm[11048]: 011e0001:4: Limiting icmp unreach response from 251 to 250 packets/sec',
    expect: {
      header: 'parsed',
      timestamp: 'Oct 16 19:34:15',
      host: 'bigip-1',
      level: 'warning',
      app_name: 'tmm',
      procid: '11048',
      message: '011e0001:4: Limiting icmp unreach response from 251 to 250 packets/sec',
    },
    source: "reyjrar/Parse-Syslog-Line issue 5: 'warning' ended up as program_name",
  },
  {
    sender: 'F5 BIG-IP iControl',
    line: '<31>Jul 14 15:35:43 F5_HOSTNAME debug iControlPortal.cgi[2345]: f5km_list_next DONE',
    expect: {
      header: 'parsed',
      timestamp: 'Jul 14 15:35:43',
      host: 'F5_HOSTNAME',
      level: 'debug',
      app_name: 'iControlPortal.cgi',
      procid: '2345',
      message: 'f5km_list_next DONE',
    },
    source: 'splunk/splunk-connect-for-syslog issue 568: PROGRAM set to "debug"',
  },
  {
    sender: 'F5 BIG-IP mcpd',
    line: '<133>Jan 15 10:00:00 bigip1 notice mcpd[5678]: 01070638:5: Pool /Common/pool1 member /Common/10.0.0.10:80 monitor status down.',
    expect: {
      header: 'parsed',
      timestamp: 'Jan 15 10:00:00',
      host: 'bigip1',
      level: 'notice',
      app_name: 'mcpd',
      procid: '5678',
      message: '01070638:5: Pool /Common/pool1 member /Common/10.0.0.10:80 monitor status down.',
    },
    source:
      'F5 K16197 / wazuh issue 8206: "<time stamp> <host name> <level> <service[pid]> <message code> <message text>"',
  },

  // ---- Linux files: Ubuntu 24.04 (RFC 3339), RHEL (traditional) ----
  {
    sender: 'Ubuntu 24.04 /var/log/kern.log, UFW',
    line: '2026-01-12T11:15:58.792703+00:00 nas1 kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=192.0.2.9 DST=10.0.0.4 LEN=40 PROTO=TCP SPT=51234 DPT=23',
    expect: {
      header: 'parsed',
      timestamp: '2026-01-12T11:15:58.792703+00:00',
      host: 'nas1',
      app_name: 'kernel',
      procid: null,
      message:
        '[UFW BLOCK] IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=192.0.2.9 DST=10.0.0.4 LEN=40 PROTO=TCP SPT=51234 DPT=23',
    },
    source: 'Ubuntu 24.04 rsyslog default (RSYSLOG_FileFormat)',
  },
  {
    sender: 'Ubuntu 24.04 /var/log/syslog, systemd',
    line: '2026-01-12T11:16:00.001522+00:00 nas1 systemd[1]: Started session-42.scope - Session 42 of User user1.',
    expect: {
      header: 'parsed',
      timestamp: '2026-01-12T11:16:00.001522+00:00',
      host: 'nas1',
      app_name: 'systemd',
      procid: '1',
      message: 'Started session-42.scope - Session 42 of User user1.',
    },
    source: 'Ubuntu 24.04 rsyslog default (RSYSLOG_FileFormat)',
  },
  {
    sender: 'RHEL 9 /var/log/secure',
    line: 'Jan 12 11:15:58 rhel9 sshd[1234]: Accepted publickey for user1 from 10.0.0.9 port 52144 ssh2: RSA SHA256:AbCdEf0123456789',
    expect: {
      header: 'parsed',
      pri: null,
      timestamp: 'Jan 12 11:15:58',
      host: 'rhel9',
      app_name: 'sshd',
      procid: '1234',
      message: 'Accepted publickey for user1 from 10.0.0.9 port 52144 ssh2: RSA SHA256:AbCdEf0123456789',
    },
    source: 'RHEL 9 rsyslog default (RSYSLOG_TraditionalFileFormat)',
  },
  {
    sender: 'RHEL 9 /var/log/messages, kernel, space-padded day',
    line: 'Jan  2 03:04:05 rhel9 kernel: XFS (dm-0): Mounting V5 Filesystem',
    expect: {
      header: 'parsed',
      timestamp: 'Jan  2 03:04:05',
      host: 'rhel9',
      app_name: 'kernel',
      procid: null,
      message: 'XFS (dm-0): Mounting V5 Filesystem',
    },
    source: 'RHEL 9 rsyslog default; RFC 3164 §4.1.2 (space-padded day)',
  },
  {
    sender: 'RHEL 9 /var/log/cron',
    line: 'Jan 12 11:20:01 rhel9 CROND[5678]: (root) CMD (/usr/lib64/sa/sa1 1 1)',
    expect: {
      header: 'parsed',
      timestamp: 'Jan 12 11:20:01',
      host: 'rhel9',
      app_name: 'CROND',
      procid: '5678',
      message: '(root) CMD (/usr/lib64/sa/sa1 1 1)',
    },
    source: 'RHEL 9 rsyslog default (RSYSLOG_TraditionalFileFormat)',
  },
  {
    sender: 'journalctl -o short-iso',
    line: '2026-01-12T11:15:58+0000 nas1 sshd[1581943]: Invalid user user1 from 10.0.0.4 port 5678',
    expect: {
      header: 'parsed',
      timestamp: '2026-01-12T11:15:58+0000',
      timestamp_zone: '+0000',
      host: 'nas1',
      app_name: 'sshd',
      procid: '1581943',
      message: 'Invalid user user1 from 10.0.0.4 port 5678',
    },
    source: 'systemd journalctl short-iso (strftime "%Y-%m-%dT%H:%M:%S%z" in logs-show.c)',
  },
  {
    sender: 'Not syslog: an application log line',
    line: LOG4J,
    expect: {
      header: 'none',
      timestamp: null,
      host: null,
      app_name: null,
      procid: null,
      message: LOG4J,
    },
    source: 'log4j PatternLayout %d (ISO8601 with comma): no PRI, no TAG; never taken apart as syslog',
  },

  // ---- systemd / journald forwarding ----
  {
    sender: 'journald ForwardToSyslog (as rsyslog imuxsock reads it)',
    line: '<30>Jan 12 11:15:58 systemd[1]: Started session-42.scope - Session 42 of User user1.',
    expect: {
      header: 'parsed',
      timestamp: 'Jan 12 11:15:58',
      host: null,
      app_name: 'systemd',
      procid: '1',
      message: 'Started session-42.scope - Session 42 of User user1.',
    },
    source:
      'systemd journald-syslog.c forward_syslog: "<pri>timestamp identifier[pid]: message", no hostname',
  },
  {
    sender: 'systemd-netlogd, LogFormat=rfc3339',
    line: '<30>2026-01-12T11:15:58.792703+00:00 nas1 systemd[1]: Started session-42.scope.',
    expect: {
      header: 'parsed',
      timestamp: '2026-01-12T11:15:58.792703+00:00',
      host: 'nas1',
      app_name: 'systemd',
      procid: '1',
      message: 'Started session-42.scope.',
    },
    source: 'systemd-netlogd src/netlog/netlog-protocol.c format_rfc3164()',
  },
  {
    sender: 'systemd-netlogd, kernel (no pid)',
    line: '<6>2026-01-12T11:15:58.792703+00:00 nas1 kernel[-]: usb 1-1: new high-speed USB device number 2 using xhci_hcd',
    expect: {
      header: 'parsed',
      timestamp: '2026-01-12T11:15:58.792703+00:00',
      host: 'nas1',
      app_name: 'kernel',
      procid: null,
      message: 'usb 1-1: new high-speed USB device number 2 using xhci_hcd',
    },
    source: 'systemd-netlogd format_rfc3164(): a missing pid is written as the NILVALUE, "kernel[-]:"',
  },
  {
    sender: 'systemd-netlogd, LogFormat=rfc5424',
    line: '<30>1 2026-01-12T11:15:58.792703+00:00 nas1 systemd 1 - - Started session-42.scope.',
    expect: {
      header: 'parsed',
      format: 'rfc5424',
      timestamp: '2026-01-12T11:15:58.792703+00:00',
      host: 'nas1',
      app_name: 'systemd',
      procid: '1',
      msgid: null,
      message: 'Started session-42.scope.',
    },
    source: 'systemd-netlogd src/netlog/netlog-protocol.c format_rfc5424()',
  },

  // ---- busybox ----
  {
    sender: 'busybox syslogd -R',
    line: '<30>Jun 23 13:17:42 chronyd[1119]: Selected source 192.0.2.1',
    expect: {
      header: 'parsed',
      timestamp: 'Jun 23 13:17:42',
      host: null,
      app_name: 'chronyd',
      procid: '1119',
      message: 'Selected source 192.0.2.1',
    },
    source:
      'jeromer/syslogparser pull request 12: busybox forwards the /dev/log datagram as is, without hostname',
  },

  // ---- Windows: NXLog, Snare ----
  {
    sender: 'NXLog to_syslog_bsd()',
    line: '<14>Mar 24 15:42:50 WIN-SRV01 Service_Control_Manager[448]: The Windows Error Reporting Service service entered the running state.',
    expect: {
      header: 'parsed',
      timestamp: 'Mar 24 15:42:50',
      host: 'WIN-SRV01',
      app_name: 'Service_Control_Manager',
      procid: '448',
      message: 'The Windows Error Reporting Service service entered the running state.',
    },
    source: 'NXLog User Guide, xm_syslog to_syslog_bsd() (SourceName as TAG, spaces as underscores)',
  },
  {
    sender: 'NXLog to_syslog_ietf()',
    line: '<14>1 2024-03-24T15:42:50.000000+01:00 WIN-SRV01 Microsoft-Windows-Security-Auditing 596 - [NXLOG@14506 EventReceivedTime="2024-03-24 15:42:51" SourceModuleName="eventlog" SourceModuleType="im_msvistalog"] An account was successfully logged on.',
    expect: {
      header: 'parsed',
      format: 'rfc5424',
      timestamp: '2024-03-24T15:42:50.000000+01:00',
      host: 'WIN-SRV01',
      app_name: 'Microsoft-Windows-Security-Auditing',
      procid: '596',
      sd: {
        'NXLOG@14506': {
          EventReceivedTime: '2024-03-24 15:42:51',
          SourceModuleName: 'eventlog',
          SourceModuleType: 'im_msvistalog',
        },
      },
      message: 'An account was successfully logged on.',
    },
    source: 'NXLog User Guide, xm_syslog to_syslog_ietf() (NXLOG@14506 structured data)',
  },
  {
    sender: 'Snare over syslog',
    line: '<13>Mar  6 17:44:29 WIN-HOST01 MSWinEventLog\t0\tSecurity\t472890\tThu Mar 06 17:44:29 2025\t4690\tMicrosoft-Windows-Security-Auditing\tEXAMPLE\\user1$\tN/A\tSuccess Audit\tWIN-HOST01\tSensitive Privilege Use\tAn attempt was made to duplicate a handle to an object.\t78714',
    expect: {
      header: 'parsed',
      timestamp: 'Mar  6 17:44:29',
      host: 'WIN-HOST01',
      app_name: 'MSWinEventLog',
      procid: null,
      message:
        '0\tSecurity\t472890\tThu Mar 06 17:44:29 2025\t4690\tMicrosoft-Windows-Security-Auditing\tEXAMPLE\\user1$\tN/A\tSuccess Audit\tWIN-HOST01\tSensitive Privilege Use\tAn attempt was made to duplicate a handle to an object.\t78714',
    },
    source:
      'Snare Windows Agent, "Appendix A - Windows Event Output Format"; NXLog User Guide, "Snare Over Syslog"',
  },

  // ---- rsyslog forwarding templates ----
  {
    sender: 'rsyslog RSYSLOG_TraditionalForwardFormat (sudo)',
    line: '<86>Jan 12 11:15:58 nas1 sudo:    user1 : TTY=pts/0 ; PWD=/home/user1 ; USER=root ; COMMAND=/usr/bin/apt update',
    expect: {
      header: 'parsed',
      timestamp: 'Jan 12 11:15:58',
      host: 'nas1',
      app_name: 'sudo',
      procid: null,
      message: '   user1 : TTY=pts/0 ; PWD=/home/user1 ; USER=root ; COMMAND=/usr/bin/apt update',
    },
    source: 'rsyslog template "<%PRI%>%TIMESTAMP% %HOSTNAME% %syslogtag:1:32%%msg:::sp-if-no-1st-sp%%msg%"',
  },
  {
    sender: 'rsyslog RSYSLOG_ForwardFormat',
    line: '<13>2026-11-21T05:31:09+00:00 vm myapp: hello relp 2',
    expect: {
      header: 'parsed',
      timestamp: '2026-11-21T05:31:09+00:00',
      host: 'vm',
      app_name: 'myapp',
      procid: null,
      message: 'hello relp 2',
    },
    source: 'protocols.md §4.2 (verified over RELP)',
  },
  {
    sender: 'rsyslog RSYSLOG_ForwardFormat, RFC 5424 input (TAG without colon)',
    line: '<13>2026-11-21T05:31:09.538824+00:00 vm myapp hello relp 1',
    expect: {
      header: 'parsed',
      timestamp: '2026-11-21T05:31:09.538824+00:00',
      host: 'vm',
      app_name: null,
      procid: null,
      message: 'myapp hello relp 1',
    },
    source: 'protocols.md §4.2 (verified): the colon is gone, so `myapp` cannot be told from message text',
  },
  {
    sender: 'rsyslog RSYSLOG_ForwardFormat, RFC 5424 input with PROCID',
    line: '<13>2026-11-21T05:31:09.538824+00:00 vm myapp[4242] hello with a pid',
    expect: {
      header: 'parsed',
      timestamp: '2026-11-21T05:31:09.538824+00:00',
      host: 'vm',
      app_name: 'myapp',
      procid: '4242',
      message: 'hello with a pid',
    },
    source:
      'rsyslog builds the TAG of an RFC 5424 message as APP-NAME[PROCID] without colon (protocols.md §4.2)',
  },
  {
    sender: 'rsyslog RSYSLOG_ForwardFormat, empty TAG',
    line: '<13>2026-01-12T11:15:58.792703+00:00 nas1  message with an empty tag',
    expect: {
      header: 'parsed',
      timestamp: '2026-01-12T11:15:58.792703+00:00',
      host: 'nas1',
      app_name: null,
      procid: null,
      message: 'message with an empty tag',
    },
    source:
      'rsyslog template "%HOSTNAME% %syslogtag:1:32%%msg:::sp-if-no-1st-sp%%msg%" with an empty syslogtag',
  },
  {
    sender: 'rsyslog RSYSLOG_SyslogProtocol23Format, RFC 3164 input (SONiC)',
    line: '<166>1 2019-02-20T15:10:50.505646+00:00 sonic1.example bgpd 83 - -  %ADJCHANGE: neighbor 192.0.2.142(spine1) in vrf Default Up',
    expect: {
      header: 'parsed',
      format: 'rfc5424',
      timestamp: '2019-02-20T15:10:50.505646+00:00',
      host: 'sonic1.example',
      app_name: 'bgpd',
      procid: '83',
      message: ' %ADJCHANGE: neighbor 192.0.2.142(spine1) in vrf Default Up',
    },
    source:
      "napalm-logs tests/config/sonic/BGP_NEIGHBOR_STATE_CHANGED/down_to_up/syslog.msg (rsyslog keeps MSG's leading space)",
  },
  {
    sender: 'rsyslog RSYSLOG_SyslogProtocol23Format, RFC 5424 input',
    line: '<165>1 2026-11-21T05:32:03.143954+00:00 vm myapp 4242 ID47 [timeQuality tzKnown="1" isSynced="0"] rfc5424 forwarded',
    expect: {
      header: 'parsed',
      format: 'rfc5424',
      timestamp: '2026-11-21T05:32:03.143954+00:00',
      host: 'vm',
      app_name: 'myapp',
      procid: '4242',
      msgid: 'ID47',
      sd: { timeQuality: { tzKnown: '1', isSynced: '0' } },
      message: 'rfc5424 forwarded',
    },
    source:
      'rsyslog template "<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% %STRUCTURED-DATA% %msg%"',
  },

  // ---- util-linux logger ----
  {
    sender: 'logger --rfc3164 -n (to a server)',
    line: '<13>Nov 21 05:31:56 vm myapp: rfc3164 LF framed',
    expect: {
      header: 'parsed',
      timestamp: 'Nov 21 05:31:56',
      host: 'vm',
      app_name: 'myapp',
      procid: null,
      message: 'rfc3164 LF framed',
    },
    source: 'protocols.md §4.2 (verified, util-linux logger)',
  },
  {
    sender: 'logger --rfc3164 -i to /dev/log (no hostname)',
    line: '<13>Nov 21 05:31:56 myapp[4242]: with a pid, local socket',
    expect: {
      header: 'parsed',
      timestamp: 'Nov 21 05:31:56',
      host: null,
      app_name: 'myapp',
      procid: '4242',
      message: 'with a pid, local socket',
    },
    source: 'util-linux logger.c syslog_local_header(): "<pri>Mmm dd hh:mm:ss tag[pid]: "',
  },
  {
    sender: 'logger --rfc5424',
    line: '<165>1 2026-11-21T05:32:03.143954+00:00 vm myapp 4242 ID47 [timeQuality tzKnown="1" isSynced="0"][exampleSDID@32473 iut="3" eventSource="Ap\\"p"] rfc5424 LF framed',
    expect: {
      header: 'parsed',
      format: 'rfc5424',
      timestamp: '2026-11-21T05:32:03.143954+00:00',
      host: 'vm',
      app_name: 'myapp',
      procid: '4242',
      msgid: 'ID47',
      structured_data:
        '[timeQuality tzKnown="1" isSynced="0"][exampleSDID@32473 iut="3" eventSource="Ap\\"p"]',
      sd: {
        timeQuality: { tzKnown: '1', isSynced: '0' },
        'exampleSDID@32473': { iut: '3', eventSource: 'Ap"p' },
      },
      message: 'rfc5424 LF framed',
    },
    source: 'protocols.md §4.1 (verified, util-linux logger)',
  },
  {
    sender: 'logger --rfc5424=notq,notime,nohost',
    line: '<13>1 - - myapp - - - rfc5424 snipped',
    expect: {
      header: 'parsed',
      format: 'rfc5424',
      timestamp: null,
      host: null,
      app_name: 'myapp',
      procid: null,
      msgid: null,
      structured_data: null,
      message: 'rfc5424 snipped',
    },
    source: 'protocols.md §4.1 (verified): every NILVALUE',
  },

  // ---- The RFCs' own examples and rules ----
  {
    sender: 'RFC 5424 example 1 (BOM)',
    line: "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8",
    expect: {
      header: 'parsed',
      format: 'rfc5424',
      pri: 34,
      facility: 4,
      severity: 2,
      version: 1,
      timestamp: '2003-10-11T22:14:15.003Z',
      host: 'mymachine.example.com',
      app_name: 'su',
      procid: null,
      msgid: 'ID47',
      message: "'su root' failed for lonvick on /dev/pts/8",
    },
    source: 'RFC 5424 §6.5 example 1; §6.4 MSG-UTF8 (the BOM is not text)',
  },
  {
    sender: 'RFC 5424 example 2',
    line: "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
    expect: {
      header: 'parsed',
      timestamp: '2003-08-24T05:14:15.000003-07:00',
      timestamp_zone: '-07:00',
      host: '192.0.2.1',
      app_name: 'myproc',
      procid: '8710',
      message: "%% It's time to make the do-nuts.",
    },
    source: 'RFC 5424 §6.5 example 2',
  },
  {
    sender: 'RFC 5424 example 4 (two SD-ELEMENTs, no MSG)',
    line: '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
    expect: {
      header: 'parsed',
      timestamp: '2003-10-11T22:14:15.003Z',
      host: 'mymachine.example.com',
      app_name: 'evntslog',
      procid: null,
      sd: {
        'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
        'examplePriority@32473': { class: 'high' },
      },
      message: '',
    },
    source: 'RFC 5424 §6.5 example 4',
  },
  {
    sender: 'RFC 5424 SD escapes',
    line: '<165>1 2026-01-12T11:15:58Z host1 app - - [ex@32473 path="C:\\\\temp" quote="say \\"hi\\"" bracket="a\\]b" other="a\\nb"] escapes',
    expect: {
      header: 'parsed',
      timestamp: '2026-01-12T11:15:58Z',
      host: 'host1',
      app_name: 'app',
      procid: null,
      sd: { 'ex@32473': { path: 'C:\\temp', quote: 'say "hi"', bracket: 'a]b', other: 'a\\nb' } },
      message: 'escapes',
    },
    source: 'RFC 5424 §6.3.3: \\" \\\\ \\] are escapes, a backslash before anything else stays',
  },
  {
    sender: 'RFC 5424 origin with two addresses',
    line: '<165>1 2026-01-12T11:15:58Z relay1 app - - [origin ip="192.0.2.1" ip="192.0.2.2" software="rsyslogd"] two addresses',
    expect: {
      header: 'parsed',
      timestamp: '2026-01-12T11:15:58Z',
      host: 'relay1',
      app_name: 'app',
      procid: null,
      sd: { origin: { ip: ['192.0.2.1', '192.0.2.2'], software: 'rsyslogd' } },
      message: 'two addresses',
    },
    source: 'RFC 5424 §7.2.2 ("ip" MAY be repeated)',
  },
  {
    sender: 'RFC 5424, truncated in its STRUCTURED-DATA',
    line: '<165>1 2026-01-12T11:15:58Z host1 app - - [exampleSDID@32473 iut="3" eventSource="Appl',
    expect: {
      header: 'partial',
      header_issue: {
        code: 'SD_INVALID',
        offset: 82,
        detail: 'PARAM-VALUE of "eventSource" in "exampleSDID@32473" not closed',
      },
      timestamp: '2026-01-12T11:15:58Z',
      host: 'host1',
      app_name: 'app',
      procid: null,
      sd: null,
      message: '<165>1 2026-01-12T11:15:58Z host1 app - - [exampleSDID@32473 iut="3" eventSource="Appl',
    },
    source: "protocols.md §4.5 (SD pitfalls); a datagram cut at the sender's maximum size",
  },
  {
    sender: 'RFC 3164 example 1',
    line: "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
    expect: {
      header: 'parsed',
      format: 'rfc3164',
      timestamp: 'Oct 11 22:14:15',
      host: 'mymachine',
      app_name: 'su',
      procid: null,
      message: "'su root' failed for lonvick on /dev/pts/8",
    },
    source: 'RFC 3164 §5.4 example 1',
  },
  {
    sender: 'RFC 3164 example 2 (IP host, no TAG)',
    line: '<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!',
    expect: {
      header: 'parsed',
      timestamp: 'Feb  5 17:32:18',
      host: '10.0.0.99',
      app_name: null,
      procid: null,
      message: 'Use the BFG!',
    },
    source: 'RFC 3164 §5.4 example 2',
  },
  {
    sender: 'RFC 3164 example 3 (zone and year in the timestamp)',
    line: "<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, Frier=OK # Transport: Conveyer1=OK, Conveyer2=OK # %%",
    expect: {
      header: 'parsed',
      timestamp: 'Aug 24 05:34:00 CST 1987',
      timestamp_zone: 'CST',
      host: 'mymachine',
      app_name: 'myproc',
      procid: '10',
      message:
        "%% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, Frier=OK # Transport: Conveyer1=OK, Conveyer2=OK # %%",
    },
    source: 'RFC 3164 §5.4 example 3 (date(1) layout)',
  },
  {
    sender: 'An appliance: PRI, then free text',
    line: '<38>User logged into the appliance. User: user1.',
    expect: {
      header: 'parsed',
      timestamp: null,
      host: null,
      app_name: null,
      procid: null,
      message: 'User logged into the appliance. User: user1.',
    },
    source: "rsyslog issue 5098 (\"how do we know that the hostnames aren't 'User'\"); RFC 3164 §4.3.3",
  },
  {
    sender: 'Huawei VRP (unsupported timestamp form)',
    line: '<29>2018-7-23 01:00:34.270.1 my-huawei-switch %%01IFNET/4/IF_STATE(l)[4997]:Interface Ethernet0/0/8 has turned into DOWN state.',
    expect: {
      header: 'partial',
      header_issue: {
        code: 'TIMESTAMP_UNRECOGNISED',
        offset: 4,
        detail: 'a date or a time in no form this parser knows',
      },
      pri: 29,
      timestamp: null,
      host: null,
      app_name: null,
      procid: null,
      message:
        '<29>2018-7-23 01:00:34.270.1 my-huawei-switch %%01IFNET/4/IF_STATE(l)[4997]:Interface Ethernet0/0/8 has turned into DOWN state.',
    },
    source: 'napalm-logs tests/config/huawei/INTERFACE_DOWN/default/syslog.msg',
  },
];
