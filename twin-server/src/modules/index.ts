import type { TwinModule } from './types.ts';
import { healthModule } from './health.ts';
import { sampleParkModule } from './sample.ts';
import { authModule } from '../auth/module.ts';
import { twinModule } from './twin/index.ts';
import { mapModule } from './map/index.ts';
import { tilesModule } from './tiles.ts';
import { createLiveModule } from './live.ts';
import { importModule } from './import.ts';
import { parksModule } from './parks/index.ts';
import { tilesetsModule } from './tilesets/index.ts';
import { investModule } from './invest/index.ts';
import { opsModule } from './ops/index.ts';
import { wallModule } from './wall/index.ts';
import { notificationsModule } from '../kit/notifications/module.ts';
import { repairsModule } from './repairs/index.ts';
import { videoModule } from './video/index.ts';
import { alarmsModule } from './alarms/index.ts';
import { leasingModule } from './leasing/index.ts';
import { workordersModule } from './workorders/index.ts';
import { controlModule } from './control/index.ts';
import { linkageModule } from './linkage/index.ts';
import { patrolModule } from './patrol/index.ts';
import { portalModule } from './portal/index.ts';
import { bookingModule } from './booking/index.ts';
import { createCateringModule } from './catering/index.ts';
import { o2oModule } from './o2o/index.ts';
import { renovationModule } from './renovation/index.ts';
import { parkingModule } from './parking/index.ts';
import { enterpriseServicesModule } from './enterprise-services/index.ts';
import { economyModule } from './economy/index.ts';
import { groundModule } from './ground/index.ts';
import { timemachineModule } from './timemachine/index.ts';
import { labelsModule } from './labels/index.ts';
import { customersModule } from './customers/index.ts';

/**
 * Every server module, in initialize order. Adding a module is one import and one entry here.
 * Order: health; the auth platform (provides the guard); the sample park (seeds on first start);
 * the tiler (builds tiles when missing or stale, so after seeding); live data (broker, ingest,
 * stream, simulator); then the drill-down modules.
 */
export function allModules(): TwinModule[] {
  return [healthModule, authModule(), sampleParkModule, tilesModule(), createLiveModule(), mapModule, twinModule, groundModule, timemachineModule, importModule, parksModule, tilesetsModule(), opsModule, wallModule, investModule, notificationsModule(), repairsModule, videoModule(), alarmsModule(), leasingModule, workordersModule(), economyModule, portalModule, bookingModule, createCateringModule(), o2oModule, renovationModule, parkingModule, enterpriseServicesModule, controlModule(), linkageModule(), patrolModule(), labelsModule, customersModule];
}
