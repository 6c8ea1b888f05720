// PageText: every human sentence of the pages, in French and English (issue 5: the preferences page
// is in both languages, chosen by Accept-Language). Per consentable purpose: a short title, a
// one-line summary and a detail paragraph. Guarantees: every purpose has all three texts in both
// languages (a test walks them); values are plain text, escaped by the renderer.
import PixelPolicy

struct PurposeText {
    let title: String
    let summary: String
    let detail: String
}

struct PageText {
    let language: FooterLanguage

    static func of(_ language: FooterLanguage) -> PageText { PageText(language: language) }

    private var fr: Bool { language == .fr }

    func purpose(_ p: Purpose) -> PurposeText {
        switch (p, fr) {
        case (.openMeasurement, true):
            return PurposeText(title: "Mesure d'ouverture",
                               summary: "Savoir si et quand vous ouvrez nos messages.",
                               detail: "Une image invisible est chargée à l'ouverture du message ; elle nous indique l'heure d'ouverture, et votre adresse IP et votre logiciel de messagerie sont transmis à cette occasion.")
        case (.openMeasurement, false):
            return PurposeText(title: "Open measurement",
                               summary: "Knowing whether and when you open our messages.",
                               detail: "An invisible image is loaded when the message is opened; it tells us when you opened it, and your IP address and mail software are sent with that request.")
        case (.frequencyAdaptation, true):
            return PurposeText(title: "Adaptation de la fréquence d'envoi",
                               summary: "Vous écrire plus ou moins souvent selon vos ouvertures.",
                               detail: "Les ouvertures mesurées servent à réduire les envois si vous lisez peu nos messages, ou à arrêter les envois aux adresses inactives.")
        case (.frequencyAdaptation, false):
            return PurposeText(title: "Sending frequency",
                               summary: "Writing to you more or less often depending on your opens.",
                               detail: "Measured opens are used to send less when you rarely read our messages, or to stop sending to inactive addresses.")
        case (.personalization, true):
            return PurposeText(title: "Personnalisation",
                               summary: "Adapter le contenu de nos messages à vos lectures.",
                               detail: "Les ouvertures et les clics servent à choisir les sujets et les offres que nous vous présentons dans nos prochains messages.")
        case (.personalization, false):
            return PurposeText(title: "Personalisation",
                               summary: "Adapting the content of our messages to what you read.",
                               detail: "Opens and clicks are used to choose the topics and offers we show you in our next messages.")
        case (.crossChannel, true):
            return PurposeText(title: "Ciblage sur d'autres canaux",
                               summary: "Relier vos lectures à de la publicité sur d'autres sites ou applications.",
                               detail: "Les données d'ouverture peuvent être rapprochées d'identifiants publicitaires afin de vous montrer des annonces ailleurs que dans nos messages.")
        case (.crossChannel, false):
            return PurposeText(title: "Cross-channel targeting",
                               summary: "Linking your reading to advertising on other sites or apps.",
                               detail: "Open data may be matched with advertising identifiers to show you ads outside our messages.")
        case (.fraudDetection, true):
            return PurposeText(title: "Détection de la fraude",
                               summary: "Repérer les usages anormaux de nos messages.",
                               detail: "Les ouvertures servent à détecter des comportements anormaux (robots, comptes compromis) au-delà de ce qu'exige la sécurité de votre compte.")
        case (.fraudDetection, false):
            return PurposeText(title: "Fraud detection",
                               summary: "Spotting abnormal use of our messages.",
                               detail: "Opens are used to detect abnormal behaviour (bots, compromised accounts) beyond what your account's security requires.")
        case (.authenticationSecurity, true):
            return PurposeText(title: "Sécurité de l'authentification", summary: "Protéger votre compte.", detail: "Exempté de consentement.")
        case (.authenticationSecurity, false):
            return PurposeText(title: "Authentication security", summary: "Protecting your account.", detail: "Exempt from consent.")
        case (.anonymousStatistics, true):
            return PurposeText(title: "Statistiques anonymes", summary: "Compter les ouvertures sans vous identifier.", detail: "Exempté de consentement.")
        case (.anonymousStatistics, false):
            return PurposeText(title: "Anonymous statistics", summary: "Counting opens without identifying you.", detail: "Exempt from consent.")
        }
    }

    var moreDetail: String { fr ? "En savoir plus" : "More detail" }
    var grant: String { fr ? "J'accepte" : "I accept" }
    var refuse: String { fr ? "Je refuse" : "I refuse" }
    var granted: String { fr ? "accepté" : "accepted" }
    var refused: String { fr ? "refusé" : "refused" }
    var acceptAll: String { fr ? "Tout accepter" : "Accept all" }
    var refuseAll: String { fr ? "Tout refuser" : "Refuse all" }
    var save: String { fr ? "Enregistrer mes choix" : "Save my choices" }
    var preferencesTitle: String { fr ? "Vos préférences de suivi" : "Your tracking preferences" }
    func preferencesIntro(_ who: String) -> String {
        fr ? "Nos messages à \(who) peuvent contenir des éléments de suivi. Choisissez, pour chaque finalité, si vous l'acceptez. Vous pouvez changer d'avis à tout moment."
           : "Our messages to \(who) may contain tracking elements. Choose, for each purpose, whether you accept it. You can change your mind at any time."
    }
    var actorsHeading: String { fr ? "Qui reçoit ces données" : "Who receives this data" }
    var policyLink: String { fr ? "Notre politique de confidentialité complète" : "Our full privacy policy" }
    var savedTitle: String { fr ? "Vos choix sont enregistrés" : "Your choices are saved" }
    var savedIntro: String { fr ? "Ils s'appliquent dès maintenant, y compris aux messages déjà reçus." : "They apply from now on, including to messages you have already received." }
    var withdrawTitle: String { fr ? "Retirer votre consentement" : "Withdraw your consent" }
    func withdrawIntro(_ who: String) -> String {
        fr ? "Les messages envoyés à \(who) contiennent un suivi pour les finalités suivantes :"
           : "Messages sent to \(who) contain tracking for these purposes:"
    }
    var withdrawExplain: String {
        fr ? "Un clic retire votre consentement pour toutes les finalités. Il prend effet immédiatement, y compris pour les messages déjà reçus."
           : "One click withdraws your consent for every purpose. It takes effect at once, including for messages you have already received."
    }
    var withdrawButton: String { fr ? "Retirer mon consentement" : "Withdraw my consent" }
    var withdrawnTitle: String { fr ? "Votre consentement est retiré" : "Your consent is withdrawn" }
    var withdrawnIntro: String {
        fr ? "Nos messages ne contiendront plus de suivi pour ces finalités, et les suivis des messages déjà reçus sont désactivés."
           : "Our messages will no longer contain tracking for these purposes, and the tracking in messages already received is disabled."
    }
    var notFoundTitle: String { fr ? "Lien invalide ou expiré" : "Invalid or expired link" }
    var notFoundText: String {
        fr ? "Ce lien n'est pas valide ou a expiré. Utilisez le lien d'un message plus récent."
           : "This link is not valid or has expired. Use the link in a more recent message."
    }
    var expiredFormTitle: String { fr ? "Formulaire expiré" : "Form expired" }
    var expiredFormText: String {
        fr ? "Ce formulaire a expiré ou n'est pas valide ; rien n'a été modifié. Rechargez la page et recommencez."
           : "This form has expired or is not valid; nothing was changed. Reload the page and try again."
    }
    var unavailableTitle: String { fr ? "Service momentanément indisponible" : "Service temporarily unavailable" }
    var unavailableText: String { fr ? "Rien n'a été modifié. Réessayez dans quelques instants." : "Nothing was changed. Please try again in a moment." }
}
