/* The all-reduce of allreduce-child.ts in C (mpicc), the same sizes and timing: a reference for what
 * Open MPI gives here without Node or the addon in between. argv[1]: "mb:reps,mb:reps,...".
 * Rank 0 prints one JSON line per size with the slowest rank's seconds per repetition. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  char *spec = strdup(argc > 1 ? argv[1] : "1:20");
  for (char *item = strtok(spec, ","); item; item = strtok(NULL, ",")) {
    int mb = 0, reps = 0;
    if (sscanf(item, "%d:%d", &mb, &reps) != 2 || reps < 1 || reps > 100) return 2;
    size_t n = (size_t)mb * 1000000 / 4;
    float *buf = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) buf[i] = (float)(rank + 1);
    MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); /* warm-up */
    double seconds[100];
    for (int i = 0; i < reps; i++) {
      MPI_Barrier(MPI_COMM_WORLD);
      double t0 = MPI_Wtime();
      MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      seconds[i] = MPI_Wtime() - t0;
    }
    MPI_Allreduce(MPI_IN_PLACE, seconds, reps, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0) {
      printf("{\"mb\":%d,\"reps\":%d,\"seconds\":[", mb, reps);
      for (int i = 0; i < reps; i++) printf("%s%.9f", i ? "," : "", seconds[i]);
      printf("]}\n");
      fflush(stdout);
    }
    free(buf);
  }
  free(spec);
  MPI_Finalize();
  return 0;
}
