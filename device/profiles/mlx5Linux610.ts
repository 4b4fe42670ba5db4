// mlx5Linux610.ts — the mlx5_vdpa driver before the 2024 series (Linux 6.10): hardware vqs created
// at DRIVER_OK, suspend and resume one vq at a time, MKEYs created and destroyed one command at a
// time, the replaced MR destroyed synchronously inside set_map. Same device as `mlx5` otherwise.

import type { Profile } from './profile.js';
import { mlx5Profile } from './mlx5.js';

export const mlx5Linux610Profile: Profile = {
  ...mlx5Profile,
  name: 'mlx5-linux6.10',
  description: 'mlx5_vdpa as of Linux 6.10: vqs created at DRIVER_OK, serial suspend/resume and MKEY commands, synchronous MR destroy',
  costs: {
    ...mlx5Profile.costs,
    // "[PATCH vhost 0/23] vdpa/mlx5: Pre-create HW VQs at .dev_add" (Jun 2024, in 6.11) is not there yet.
    vqCreateAt: 'driverOk',
    // "[PATCH vhost 0/7] vdpa/mlx5: Parallelize device suspend/resume" (Aug 2024, in 6.12): serial before.
    suspendParallelism: 1,
    // "[PATCH vhost v2 0/7] vdpa/mlx5: Optimze MKEY operations" (Aug 2024, in 6.12): one command at a time, MR destroyed in set_map.
    firmwareConcurrency: 1,
    mrDestroy: 'sync',
  },
};
