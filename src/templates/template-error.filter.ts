import { STATUS_CODES } from 'node:http';
import { ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { QueryFailedError } from 'typeorm';
import { translateTemplateError, TemplateRuleViolation } from './template-errors';

/** The JSON body of a refused write. */
export interface TemplateErrorBody {
  statusCode: 409 | 422;
  /** The status text: "Conflict" or "Unprocessable Entity". */
  error: string;
  /** The constraint, trigger or length rule that refused the write. */
  rule: string;
  message: string;
}

/**
 * Answers a `TemplateRuleViolation` with its status (409 or 422) and `{ statusCode, error, rule,
 * message }`. It also catches a `QueryFailedError` that was not translated (a controller writing
 * through a repository directly) and answers it the same way when it is a template rule; any other
 * error goes to Nest's default handling (BaseExceptionFilter: 500, logged). HTTP only, like the app.
 *
 * Registered app-wide by TemplatesModule with APP_FILTER rather than left for main.ts to call
 * `useGlobalFilters`: the typed errors reach HTTP from whichever controller uses TemplatesService,
 * so importing the module is all it takes, in the app and in test apps built with
 * Test.createTestingModule (which never run main.ts). Provided through DI, the base filter gets its
 * HTTP adapter injected. A controller- or route-scoped filter still takes precedence over it.
 */
@Catch(TemplateRuleViolation, QueryFailedError)
export class TemplateErrorFilter extends BaseExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const violation = translateTemplateError(exception);
    if (!(violation instanceof TemplateRuleViolation)) return super.catch(exception, host);
    const adapter = this.applicationRef ?? this.httpAdapterHost?.httpAdapter;
    if (adapter === undefined) throw violation;
    const body: TemplateErrorBody = {
      statusCode: violation.status,
      error: STATUS_CODES[violation.status] ?? 'Error',
      rule: violation.rule,
      message: violation.message,
    };
    adapter.reply(host.switchToHttp().getResponse(), body, violation.status);
  }
}
