/**
 * Patches tile materials so each vertex reads its feature's texel from the state texture.
 * One patched program serves every tile (same cache key); the per-feature data lives in the
 * texture, never in a material per feature.
 */
import type { BufferGeometry, Material, Mesh, WebGLProgramParametersWithUniforms } from 'three';
import { FLAG, STATE_WIDTH, type TextureUniform } from './featureState.ts';

/** Geometry attribute the patched shader reads: an alias of the glTF feature-id attribute. */
export const FEATURE_ATTRIBUTE = 'twinFeature';

const SHIFT = Math.log2(STATE_WIDTH);

const VERTEX_HEAD = /* glsl */ `
attribute float ${FEATURE_ATTRIBUTE};
uniform highp sampler2D twinState;
flat varying vec4 vTwinState;
`;

const VERTEX_LOOKUP = /* glsl */ `
{
  int fid = int(${FEATURE_ATTRIBUTE} + 0.5);
  vTwinState = texelFetch(twinState, ivec2(fid & ${STATE_WIDTH - 1}, fid >> ${SHIFT}), 0);
}
`;

// A hidden feature collapses all its vertices outside the clip volume, so it costs no fragments.
const VERTEX_HIDE = /* glsl */ `
if ((int(vTwinState.a * 255.0 + 0.5) & ${FLAG.hidden}) != 0) gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
`;

const FRAGMENT_HEAD = /* glsl */ `
flat varying vec4 vTwinState;
`;

const FRAGMENT_COLOUR = /* glsl */ `
int twinFlags = int(vTwinState.a * 255.0 + 0.5);
if ((twinFlags & ${FLAG.hidden}) != 0) discard;
vec3 twinLayer = pow(vTwinState.rgb, vec3(2.2));
if ((twinFlags & ${FLAG.coloured}) != 0) diffuseColor.rgb = mix(diffuseColor.rgb, twinLayer, 0.85);
if ((twinFlags & ${FLAG.faded}) != 0) {
  // Screen-door transparency: no sorting, no transparent pass, one draw call as before.
  if (mod(floor(gl_FragCoord.x) + floor(gl_FragCoord.y), 3.0) != 0.0) discard;
  diffuseColor.rgb *= 0.35;
}
if ((twinFlags & ${FLAG.ghost}) != 0) {
  // X-ray: one pixel in four, tinted like glass, so what lies behind and below shows through.
  if (mod(floor(gl_FragCoord.x), 2.0) + mod(floor(gl_FragCoord.y), 2.0) != 0.0) discard;
  diffuseColor.rgb = mix(diffuseColor.rgb, vec3(0.45, 0.62, 0.85), 0.5);
}
`;

// Emission keeps layer colours readable on the dark theme, whatever the lighting.
const FRAGMENT_EMISSIVE = /* glsl */ `
if ((twinFlags & ${FLAG.coloured}) != 0) totalEmissiveRadiance += twinLayer * 0.35;
if ((twinFlags & ${FLAG.hover}) != 0) totalEmissiveRadiance += vec3(0.25, 0.35, 0.45);
if ((twinFlags & ${FLAG.selected}) != 0) totalEmissiveRadiance += vec3(0.15, 0.55, 0.85);
`;

const FRAGMENT_BASIC = /* glsl */ `
if ((twinFlags & ${FLAG.hover}) != 0) diffuseColor.rgb += vec3(0.25, 0.35, 0.45);
if ((twinFlags & ${FLAG.selected}) != 0) diffuseColor.rgb += vec3(0.15, 0.55, 0.85);
`;

/** Rewrites a built-in three.js shader (standard, physical, lambert, phong, basic) to read the state. */
export function patchShader(shader: WebGLProgramParametersWithUniforms, state: TextureUniform): void {
  shader.uniforms.twinState = state;
  shader.vertexShader = shader.vertexShader
    .replace('#include <common>', `#include <common>\n${VERTEX_HEAD}`)
    .replace('#include <begin_vertex>', `#include <begin_vertex>\n${VERTEX_LOOKUP}`)
    .replace('#include <project_vertex>', `#include <project_vertex>\n${VERTEX_HIDE}`);
  const hasEmissive = shader.fragmentShader.includes('#include <emissivemap_fragment>');
  shader.fragmentShader = shader.fragmentShader
    .replace('#include <common>', `#include <common>\n${FRAGMENT_HEAD}`)
    .replace('#include <color_fragment>', `#include <color_fragment>\n${FRAGMENT_COLOUR}${hasEmissive ? '' : FRAGMENT_BASIC}`);
  if (hasEmissive) {
    shader.fragmentShader = shader.fragmentShader.replace(
      '#include <emissivemap_fragment>',
      `#include <emissivemap_fragment>\n${FRAGMENT_EMISSIVE}`,
    );
  }
}

/** Makes `material` read the state texture; idempotent. */
export function patchMaterial(material: Material, state: TextureUniform): void {
  if (material.userData.twinPatched) return;
  material.userData.twinPatched = true;
  material.onBeforeCompile = (shader) => patchShader(shader, state);
  const base = material.customProgramCacheKey.bind(material);
  material.customProgramCacheKey = () => `twin-state|${base()}`;
  material.needsUpdate = true;
}

/**
 * Finds the glTF feature-id attribute of a mesh (EXT_mesh_features on vertices, or
 * EXT_instance_features on an InstancedMesh) and aliases it as `twinFeature` (same buffer, no copy).
 * Returns false when the mesh carries no feature ids.
 */
export function aliasFeatureAttribute(mesh: Mesh): boolean {
  const g = mesh.geometry as BufferGeometry;
  if (g.getAttribute(FEATURE_ATTRIBUTE)) return true;
  const features = (mesh.userData.meshFeatures as { getFeatureInfo?: () => Array<{ attribute?: number }> } | undefined)
    ?.getFeatureInfo?.();
  const n = features?.find((f) => f.attribute !== undefined)?.attribute ?? 0;
  // GLTFLoader lower-cases custom vertex attributes but keeps instance attribute names as written.
  const attr = g.getAttribute(`_feature_id_${n}`) ?? g.getAttribute(`_FEATURE_ID_${n}`);
  if (!attr) return false;
  g.setAttribute(FEATURE_ATTRIBUTE, attr);
  return true;
}

/** The twin idx under a raycast hit, or 0 when the mesh has no feature ids. */
export function featureIdOfHit(hit: { object: unknown; face?: { a: number } | null; instanceId?: number }): number {
  const mesh = hit.object as Mesh;
  const attr = mesh.geometry?.getAttribute?.(FEATURE_ATTRIBUTE);
  if (!attr) return 0;
  const i = (attr as { isInstancedBufferAttribute?: boolean }).isInstancedBufferAttribute ? hit.instanceId : hit.face?.a;
  return i === undefined ? 0 : Math.round(attr.getX(i));
}
