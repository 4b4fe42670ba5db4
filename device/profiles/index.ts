// index.ts — the shipped device profiles, by name.
import type { Profile } from './profile.js';
import { mlx5Profile } from './mlx5.js';
import { mlx5Linux610Profile } from './mlx5Linux610.js';
import { platformIommuProfile } from './platformIommu.js';
import { vdpaSimProfile } from './vdpaSim.js';
import { vdpaSimDmaProfile } from './vdpaSimDma.js';

export const shippedProfiles: Readonly<Record<string, Profile>> = {
  [vdpaSimProfile.name]: vdpaSimProfile,
  [vdpaSimDmaProfile.name]: vdpaSimDmaProfile,
  [mlx5Profile.name]: mlx5Profile,
  [mlx5Linux610Profile.name]: mlx5Linux610Profile,
  [platformIommuProfile.name]: platformIommuProfile,
};
