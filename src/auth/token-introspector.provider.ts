import { type Provider } from '@nestjs/common';
import { type AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { TokenIntrospector } from './token-introspector.js';

/** Injection token of the TokenIntrospector, or null when introspection is not configured. */
export const TOKEN_INTROSPECTOR = Symbol('TOKEN_INTROSPECTOR');

export const tokenIntrospectorProvider: Provider = {
  provide: TOKEN_INTROSPECTOR,
  inject: [APP_CONFIG],
  useFactory: ({ auth }: AppConfig): TokenIntrospector | null =>
    auth.introspection === undefined ? null : new TokenIntrospector(auth.introspection, auth),
};
