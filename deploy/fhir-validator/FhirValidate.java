import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;

/**
 * Validates FHIR R4 resources (JSON files) with the HL7 reference validation engine as HAPI FHIR
 * packages it, offline: the core R4 profiles, value sets and code systems come from the
 * hapi-fhir-validation-resources-r4 jar, and no terminology server is asked.
 *
 *   java -cp 'libs/*' FhirValidate.java <file-or-folder>...
 *
 * Prints one line per message ("ERROR file: location: text"; warnings too with -v) and a
 * closing line "checked N resources: E errors, W warnings". Exit 0 when there is no error, 1 when
 * there is one, 2 on bad usage or an unreadable file.
 */
public class FhirValidate {
  public static void main(String[] args) throws IOException {
    boolean verbose = false;
    List<Path> files = new ArrayList<>();
    for (String arg : args) {
      if (arg.equals("-v")) {
        verbose = true;
        continue;
      }
      Path path = Path.of(arg);
      if (Files.isDirectory(path)) {
        try (Stream<Path> walk = Files.walk(path)) {
          walk.filter(p -> p.toString().endsWith(".json")).sorted().forEach(files::add);
        }
      } else if (Files.isRegularFile(path)) {
        files.add(path);
      } else {
        System.err.println("no such file or folder: " + arg);
        System.exit(2);
      }
    }
    if (files.isEmpty()) {
      System.err.println("usage: FhirValidate [-v] <file-or-folder>... (no .json file given)");
      System.exit(2);
    }

    FhirContext context = FhirContext.forR4();
    ValidationSupportChain support =
        new ValidationSupportChain(
            new DefaultProfileValidationSupport(context),
            new CommonCodeSystemsTerminologyService(context),
            new InMemoryTerminologyServerValidationSupport(context),
            new SnapshotGeneratingValidationSupport(context));
    FhirInstanceValidator module = new FhirInstanceValidator(support);
    // Code systems of our own (NMPA products) and of others with no offline copy (CVX, ATC)
    // cannot be looked up here: the engine reports those as warnings, not errors.
    module.setAnyExtensionsAllowed(true);
    FhirValidator validator = context.newValidator().registerValidatorModule(module);

    int errors = 0;
    int warnings = 0;
    for (Path file : files) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      ValidationResult result = validator.validateWithResult(text);
      for (SingleValidationMessage message : result.getMessages()) {
        ResultSeverityEnum severity = message.getSeverity();
        boolean isError = severity == ResultSeverityEnum.ERROR || severity == ResultSeverityEnum.FATAL;
        if (isError) errors++;
        else if (severity == ResultSeverityEnum.WARNING) warnings++;
        if (isError || verbose)
          System.out.println(severity.name() + " " + file + ": " + message.getLocationString() + ": " + message.getMessage());
      }
    }
    System.out.println("checked " + files.size() + " resources: " + errors + " errors, " + warnings + " warnings");
    System.exit(errors == 0 ? 0 : 1);
  }
}
