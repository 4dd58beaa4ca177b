/**
 * The one base class for errors the user fixes (bad usage, config, policy config): the CLI
 * tools print the message alone and exit 2, never a stack trace. Subclasses only say which
 * kind it is (a usage error also gets the tool's usage text; a config error does not).
 */
export class UserError extends Error {
    constructor(message: string) {
        super(message);
        this.name = new.target.name;
    }
}

/** A command line the tool cannot run as given: wrong flags, arguments or combinations. */
export class UsageError extends UserError {}

/** A config value (stack file, --set, --deployed) that is invalid: the message names key, value and what is allowed. */
export class ConfigError extends UserError {}
