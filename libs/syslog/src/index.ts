export { parseSyslog, type SyslogHeader, SyslogParseError } from './header.js';
