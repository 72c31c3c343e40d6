/* Entry points of the ringside subcommands; argv[0] is the subcommand name. */
#ifndef RINGSIDE_EMU_CLI_H
#define RINGSIDE_EMU_CLI_H

int demo_main(int argc, char **argv);
int run_main(int argc, char **argv);
int trace_main(int argc, char **argv);
int vector_main(int argc, char **argv);
int stepsys_main(int argc, char **argv);
int debug_main(int argc, char **argv);

#endif
