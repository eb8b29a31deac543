// What the launcher (mpirun, srun) says of this process, read from its environment alone, for
// the processes that start no MPI session (see cluster.hpp).
#include <algorithm>
#include <cstdlib>
#include <string>

#include "minerisk/engine/cluster.hpp"

namespace minerisk::cluster {

int launcher_rank() {
  // Open MPI's mpirun, PMIx (Open MPI, Slurm), MPICH's hydra, and Slurm's srun without MPI.
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"})
    if (const char* value = std::getenv(name)) return std::atoi(value);
  return 0;
}

int launcher_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "SLURM_NTASKS"})
    if (const char* value = std::getenv(name)) return std::max(1, std::atoi(value));
  return 1;
}

}  // namespace minerisk::cluster
