import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { tuneHeapForLoad } from '../v8-flags.js';

/** Sets the heap's growth step for the load once the application is up (see v8-flags.ts). */
@Injectable()
export class HeapTuning implements OnApplicationBootstrap {
  onApplicationBootstrap(): void {
    tuneHeapForLoad();
  }
}
