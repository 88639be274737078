/*
 * signals: what SIGINT, SIGTERM and SIGHUP do outside training. They end
 * the process as by default (its exit status says which signal), after
 * removing the temporary file of every output being written, which would
 * otherwise stay beside it (".NAME.tmpXXXXXX", as big as what was written
 * so far). Training catches SIGINT and SIGTERM itself, to stop after the
 * current batch and finish its files (train.c), and hands them back here.
 * A signal that was ignored when the process started stays ignored.
 */
#ifndef GDTRAIN_CLI_SIGNALS_H
#define GDTRAIN_CLI_SIGNALS_H

/* Installs that behaviour for the three signals. The first call (at the
 * start of main) notes which were ignored. */
void cli_signals_remove_temps(void);

#endif
