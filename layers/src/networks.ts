/**
 * Underground networks (pipe_node / pipe_segment `network`) and their display colours, shared by
 * the tiler (tube vertex colours) and the client (x-ray depth shading, legends).
 */

export const NETWORKS = ['water', 'drainage', 'power', 'gas', 'telecom', 'hvac'] as const;
export type NetworkName = (typeof NETWORKS)[number];

/** sRGB colour of each network: water blue, drainage brown, power red, gas yellow, telecom green, hvac purple. */
export const NETWORK_COLOURS: Readonly<Record<NetworkName, readonly [number, number, number]>> = {
  water: [30, 120, 230], drainage: [140, 100, 60], power: [230, 60, 40], gas: [245, 200, 30], telecom: [50, 180, 90], hvac: [160, 90, 210],
};
