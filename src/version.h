/* The version string, printed by --version and sent in the User-Agent. */
#ifndef VERSION_H
#define VERSION_H
#define FAIZ_VERSION "0.1.0"
#endif
