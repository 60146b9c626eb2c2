// spanline-auth: the auth-responder, the only process that owns identity.
#include "skeleton/run_stage.h"
#include "stages/auth/auth_stage.h"

int main(int argc, char** argv) {
  using namespace spanline;
  auth::AuthConfig config;
  return stage::run_stage(
      argc, argv, config,
      {.program = "spanline-auth",
       .summary = "The auth-responder: keeps users, sessions, API keys and JWT signing keys in meta.sqlite and answers\n"
                  "the gateway's, the api's and the CLI's auth requests on the bus. Without a command it runs the stage.\n"
                  "Commands:\n  ping   asks the running auth-responder whether it answers (exit 0 if it does)",
       .usage = "[ping] [options]",
       .check = [&] { return config.check(); },
       .commands = {stage::ping_command(config, "spanline-auth", "auth-responder", config.endpoint)},
       .make_stage = [&](stage::StageServices services) { return std::make_unique<auth::AuthStage>(config, services); }});
}
