/* make_envelope_seeds.c - writes the seed inputs of tests/fuzz/corpus/envelope/
 * tests/fuzz/corpus/alert/ and the key files of tests/fuzz/corpus/misc/: envelopes signed with the fuzzing key (the fixed
 * seed of fuzz_envelope.c, so signatures verify inside the fuzzer) around a
 * valid alert, an Update, an empty payload and a non-JSON payload.
 *
 *   crier-make-envelope-seeds DIR    (DIR = tests/fuzz/corpus)
 *
 * Envelope seeds start with '0' (open mode of fuzz_envelope.c), payload seeds
 * with '1' (seal/open round trip). */
#define CRIER_FUZZ_NO_MAIN
#include "fuzz_envelope.c"

#include "alerts/alert.h"

static const char *const seed_alert =
    "{\"type\":\"alert\",\"v\":1,\"identifier\":\"flood-1\",\"sender\":\"city@example.org\","
    "\"sent\":\"2026-01-01T00:00:00Z\",\"seq\":1,\"status\":\"Actual\",\"msgType\":\"Alert\","
    "\"scope\":\"all\",\"info\":[{\"language\":\"en\",\"event\":\"Flood\",\"urgency\":\"Immediate\","
    "\"severity\":\"Severe\",\"certainty\":\"Observed\",\"headline\":\"River flooding in the old town\","
    "\"instruction\":\"Move to higher floors.\\nAvoid the riverside.\",\"areaDesc\":\"Old town\","
    "\"web\":\"https://city.example/alerts/1\",\"expires\":\"2026-01-01T06:00:00Z\"}]}";
static const char *const seed_update =
    "{\"type\":\"alert\",\"v\":1,\"identifier\":\"flood-2\",\"sender\":\"city@example.org\","
    "\"sent\":\"2026-01-01T01:00:00+01:00\",\"seq\":2,\"status\":\"Actual\",\"msgType\":\"Update\","
    "\"scope\":\"site:town-hall\",\"references\":[{\"sender\":\"city@example.org\","
    "\"identifier\":\"flood-1\",\"sent\":\"2026-01-01T00:00:00Z\"}],\"info\":[{\"language\":\"de\","
    "\"event\":\"Hochwasser\",\"urgency\":\"Expected\",\"severity\":\"Moderate\",\"certainty\":\"Likely\","
    "\"headline\":\"Pegel sinkt\",\"areaDesc\":\"Altstadt\"}]}";

static int write_file(const char *dir, const char *sub, const char *name, char mode, const char *body, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return 1;
    }
    if (mode)
        fputc(mode, f);
    fwrite(body, 1, len, f);
    return fclose(f) != 0;
}

static int seal_to(const char *dir, const char *name, const char *payload, size_t len)
{
    char *env = NULL;
    size_t env_len = 0;
    if (crier_envelope_seal(payload, len, &fuzz_envelope_key, &env, &env_len) != CRIER_OK)
        return 1;
    int rc = write_file(dir, "envelope", name, '0', env, env_len);
    free(env);
    return rc;
}

int main(int argc, char **argv)
{
    (void)fuzz_envelope_one;
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    fuzz_envelope_fixed_key(&fuzz_envelope_key);
    const char *texts[] = {seed_alert, seed_update};
    for (size_t i = 0; i < 2; i++) {
        crier_alert *a = NULL;
        char msg[256];
        if (crier_alert_parse(texts[i], strlen(texts[i]), &a, msg, sizeof msg) != CRIER_OK) {
            fprintf(stderr, "seed alert %zu does not parse: %s\n", i, msg);
            return 1;
        }
        crier_alert_free(a);
    }
    const char *dir = argv[1];
    int rc = 0;
    rc |= seal_to(dir, "signed_alert", seed_alert, strlen(seed_alert));
    rc |= seal_to(dir, "signed_update", seed_update, strlen(seed_update));
    rc |= seal_to(dir, "signed_empty", "", 0);
    rc |= seal_to(dir, "signed_binary", "\x00\xff\xfe<cap/>", 9);
    rc |= write_file(dir, "envelope", "seal_alert", '1', seed_alert, strlen(seed_alert));
    rc |= write_file(dir, "envelope", "seal_text", '1', "hello", 5);
    rc |= write_file(dir, "alert", "alert", 0, seed_alert, strlen(seed_alert));
    rc |= write_file(dir, "alert", "update", 0, seed_update, strlen(seed_update));
    char *pub = NULL; /* the key file formats, for fuzz_misc (secret: only the fuzzing key) */
    if (crier_key_format_public(&fuzz_envelope_key, &pub) != CRIER_OK)
        return 1;
    rc |= write_file(dir, "misc", "key.pub", 0, pub, strlen(pub));
    free(pub);
    if (crier_key_format_secret(&fuzz_envelope_key, &pub) != CRIER_OK)
        return 1;
    rc |= write_file(dir, "misc", "key.sec", 0, pub, strlen(pub));
    free(pub);
    return rc;
}
