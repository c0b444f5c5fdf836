/**
 * The client modules, one registration line each (a new module: its folder under modules/<name>/
 * and one line here; docs/adding-a-module.md). Registration order is the tie-break of the
 * navigation and panel order.
 */
import { registerModule } from './registry.ts';
import { twinClientModule } from './twin/index.ts';
import { opsClientModule } from './ops/index.ts';
import { wallClientModule } from './wall/index.ts';
import { investClientModule } from './invest/index.ts';
import { mapClientModule } from './map/index.ts';
import { globeClientModule } from './globe/index.ts';
import { adminClientModule } from './admin/index.ts';
import { repairsClientModule } from './repairs/index.ts';
import { alarmsClientModule } from './alarms/index.ts';
import { videoClientModule } from './video/index.ts';
import { leasingClientModule } from './leasing/index.ts';
import { workordersClientModule } from './workorders/index.ts';
import { portalClientModule } from './portal/index.ts';
import { bookingClientModule } from './booking/index.ts';
import { cateringClientModule } from './catering/index.ts';
import { o2oClientModule } from './o2o/index.ts';
import { renovationClientModule } from './renovation/index.ts';
import { parkingClientModule } from './parking/index.ts';
import { enterpriseServicesClientModule } from './enterprise-services/index.ts';
import { economyClientModule } from './economy/index.ts';
import { controlClientModule } from './control/index.ts';
import { linkageClientModule } from './linkage/index.ts';
import { xrClientModule } from './xr/index.ts';
import { patrolClientModule } from './patrol/index.ts';
import { parksClientModule } from './parks/index.ts';
import { tilesetsClientModule } from './tilesets/index.ts';
import { timemachineClientModule } from './timemachine/index.ts';
import { customersClientModule } from './customers/index.ts';

registerModule(twinClientModule);
registerModule(opsClientModule);
registerModule(wallClientModule);
registerModule(investClientModule);
registerModule(mapClientModule);
registerModule(globeClientModule);
registerModule(adminClientModule);
registerModule(repairsClientModule);
registerModule(alarmsClientModule);
registerModule(videoClientModule);
registerModule(leasingClientModule);
registerModule(workordersClientModule);
registerModule(economyClientModule);
registerModule(portalClientModule);
registerModule(bookingClientModule);
registerModule(cateringClientModule);
registerModule(o2oClientModule);
registerModule(renovationClientModule);
registerModule(parkingClientModule);
registerModule(enterpriseServicesClientModule);
registerModule(controlClientModule);
registerModule(linkageClientModule);
registerModule(xrClientModule);
registerModule(patrolClientModule);
registerModule(parksClientModule);
registerModule(tilesetsClientModule);
registerModule(timemachineClientModule);
registerModule(customersClientModule);
