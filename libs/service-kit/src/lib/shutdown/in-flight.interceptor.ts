import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { finalize, type Observable } from 'rxjs';
import { ShutdownState } from './shutdown.state';

/**
 * Counts controller calls until they settle. A request whose connection was cut at the end of the grace
 * period still runs its cleanup (an aborted chunk releases its upload); shutdown waits for that before it
 * closes the database.
 */
@Injectable()
export class InFlightInterceptor implements NestInterceptor {
  constructor(private readonly shutdown: ShutdownState) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ended = this.shutdown.handlerStarted();
    try {
      return next.handle().pipe(finalize(ended));
    } catch (error) {
      ended();
      throw error;
    }
  }
}
