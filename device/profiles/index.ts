// index.ts — the shipped device profiles, by name.
import type { Profile } from '../profile.js';
import { vdpaSimProfile } from './vdpaSim.js';

export const shippedProfiles: Readonly<Record<string, Profile>> = {
  [vdpaSimProfile.name]: vdpaSimProfile,
};
