/** Base class of every error this package throws: `code` is stable, the message is for humans. */
export class DevServicesError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class PortInUseError extends DevServicesError {
  readonly port: number;

  constructor(port: number, what: string) {
    super('PORT_IN_USE', `port 127.0.0.1:${port} (${what}) is already in use`);
    this.port = port;
  }
}

/** A tool the services need (etcd, java, mvn) is missing or unusable and could not be installed. */
export class PrerequisiteError extends DevServicesError {
  readonly tool: string;

  constructor(tool: string, message: string, options?: { cause?: unknown }) {
    super('PREREQUISITE_MISSING', message, options);
    this.tool = tool;
  }
}

/** A service process exited early or never became healthy; `logTail` is the end of its log. */
export class ServiceStartError extends DevServicesError {
  readonly service: string;
  readonly logFile: string;
  readonly logTail: string;

  constructor(service: string, reason: string, logFile: string, logTail: string) {
    super(
      'SERVICE_START_FAILED',
      `${service} failed to start: ${reason}\n--- last lines of ${logFile} ---\n${logTail}`,
    );
    this.service = service;
    this.logFile = logFile;
    this.logTail = logTail;
  }
}

export class JarResolutionError extends DevServicesError {
  readonly output: string;

  constructor(message: string, output: string) {
    super('JAR_RESOLUTION_FAILED', `${message}\n${output}`);
    this.output = output;
  }
}

export class LockTimeoutError extends DevServicesError {
  readonly lockFile: string;
  readonly holderPid: number | undefined;

  constructor(lockFile: string, holderPid: number | undefined) {
    super(
      'LOCK_TIMEOUT',
      `timed out waiting for lock ${lockFile} held by pid ${holderPid ?? 'unknown'}; ` +
        'remove the file if no services command is running',
    );
    this.lockFile = lockFile;
    this.holderPid = holderPid;
  }
}

/** A call to a running service's own API failed (e.g. enabling etcd authentication). */
export class ServiceCallError extends DevServicesError {
  readonly service: string;

  constructor(service: string, message: string) {
    super('SERVICE_CALL_FAILED', `${service}: ${message}`);
    this.service = service;
  }
}
